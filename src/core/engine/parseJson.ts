import * as z from 'zod/mini';
import { EngineOutputError } from './engineErrors';

/**
 * The two shapes engines print: one JSON document (podman `ps`, `inspect`) or one JSON object per
 * line (docker `ps`/`events`, podman `events`). Each parser says what it read, so an unexpected
 * shape is one clear EngineOutputError instead of a schema dump.
 */

/** One JSON document validated by `schema`; blank output reads as `empty`. */
export function parseJson<T>(schema: z.ZodMiniType<T>, text: string, what: string, empty: unknown = []): T {
  let json: unknown;
  try {
    json = text.trim() === '' ? empty : JSON.parse(text);
  } catch (error) {
    throw new EngineOutputError(what, String(error));
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new EngineOutputError(what, parsed.error.message);
  }
  return parsed.data;
}

/**
 * One value per non-blank line. `strict`: a bad line throws; otherwise it is skipped (a stream of
 * events may carry lines of other kinds, or a line cut short).
 */
export function parseJsonLines<T>(schema: z.ZodMiniType<T>, text: string, what: string, strict: boolean): T[] {
  const result: T[] = [];
  for (const line of text.split('\n')) {
    const value = parseJsonLine(schema, line, what, strict);
    if (value !== undefined) {
      result.push(value);
    }
  }
  return result;
}

/** One line of such output: undefined when blank, or (not strict) when it does not parse. */
export function parseJsonLine<T>(schema: z.ZodMiniType<T>, line: string, what: string, strict: boolean): T | undefined {
  if (line.trim() === '') {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    if (strict) {
      throw new EngineOutputError(what, String(error));
    }
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    if (strict) {
      throw new EngineOutputError(what, parsed.error.message);
    }
    return undefined;
  }
  return parsed.data;
}
