import * as z from 'zod/mini';
import { parseJsonLine } from './parseJson';
import type { EngineEvent, EngineEventAction } from './types';

/**
 * One line of `events --format json` in any of three dialects:
 * - podman 4: `{ ID, Name, Status, Time: "<RFC 3339>", Attributes: {labels…}, ContainerExitCode? }`
 * - podman 5: the same with `time` (Unix seconds) and `timeNano` instead of `Time`
 * - docker:   `{ Type, Action, Actor: { ID, Attributes: {name, labels…, exitCode?} }, time, timeNano }`
 */
const eventSchema = z.object({
  ID: z.optional(z.string()),
  id: z.optional(z.string()),
  Name: z.optional(z.string()),
  Status: z.optional(z.string()),
  status: z.optional(z.string()),
  Action: z.optional(z.string()),
  Type: z.optional(z.string()),
  Time: z.optional(z.string()),
  time: z.optional(z.number()),
  timeNano: z.optional(z.number()),
  Attributes: z.optional(z.nullable(z.record(z.string(), z.string()))),
  ContainerExitCode: z.optional(z.number()),
  Actor: z.optional(
    z.object({ ID: z.optional(z.string()), Attributes: z.optional(z.nullable(z.record(z.string(), z.string()))) }),
  ),
});

const ACTIONS: Record<string, EngineEventAction> = {
  create: 'create',
  start: 'start',
  restart: 'start',
  died: 'die',
  die: 'die',
  stop: 'stop',
  kill: 'other',
  remove: 'remove',
  destroy: 'remove',
};

const DOCKER_ATTRIBUTES = new Set(['name', 'image', 'exitCode', 'signal', 'execDuration']);

/** Parses one event line; `undefined` for blank lines, non-container events or unreadable input. */
export function parseEngineEvent(line: string): EngineEvent | undefined {
  const e = parseJsonLine(eventSchema, line, 'event', false);
  if (e === undefined) {
    return undefined;
  }
  if (e.Type !== undefined && e.Type !== 'container') {
    return undefined;
  }
  const rawAction = e.Action ?? e.Status ?? e.status ?? '';
  const id = e.Actor?.ID ?? e.ID ?? e.id;
  if (!id || rawAction === '') {
    return undefined;
  }
  let labels: Record<string, string>;
  let name: string;
  let exitCode = e.ContainerExitCode;
  if (e.Actor) {
    const attributes = e.Actor.Attributes ?? {};
    name = attributes.name ?? id.slice(0, 12);
    labels = Object.fromEntries(Object.entries(attributes).filter(([k]) => !DOCKER_ATTRIBUTES.has(k)));
    if (exitCode === undefined && attributes.exitCode !== undefined && /^\d+$/.test(attributes.exitCode)) {
      exitCode = Number(attributes.exitCode);
    }
  } else {
    name = e.Name ?? id.slice(0, 12);
    labels = e.Attributes ?? {};
  }
  let time: number;
  if (e.timeNano !== undefined) {
    time = e.timeNano / 1e6;
  } else if (e.time !== undefined) {
    time = e.time * 1000;
  } else if (e.Time !== undefined) {
    time = rfc3339ToMs(e.Time);
  } else {
    time = Number.NaN;
  }
  return { id, name, action: ACTIONS[rawAction] ?? 'other', rawAction, labels, time, exitCode };
}

/** Date.parse keeps milliseconds only; keep the sub-millisecond part podman prints. */
function rfc3339ToMs(text: string): number {
  const ms = Date.parse(text);
  const fraction = /\.(\d+)/.exec(text)?.[1];
  if (Number.isNaN(ms) || !fraction || fraction.length <= 3) {
    return ms;
  }
  return ms + Number(`0.${fraction.slice(3)}`);
}
