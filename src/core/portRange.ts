import * as l10n from '@vscode/l10n';
import { SettingsError } from './errors';

export const DEFAULT_PORT_RANGE_START = 32100;
export const DEFAULT_PORT_RANGE_END = 32200;
export const MIN_POOL_PORT = 1024;
export const MAX_POOL_PORT = 65535;

export const START_SETTING = 'previewContainers.portRange.start';
export const END_SETTING = 'previewContainers.portRange.end';

/** An inclusive range of host ports the allocator may hand out. */
export interface PortRange {
  readonly start: number;
  readonly end: number;
  /** Number of ports in the range (both ends included). */
  readonly size: number;
}

function checkPort(setting: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SettingsError(setting, l10n.t('expected a whole number, got {0}.', describe(value)));
  }
  if (value < MIN_POOL_PORT || value > MAX_POOL_PORT) {
    throw new SettingsError(
      setting,
      `${value} is outside ${MIN_POOL_PORT}–${MAX_POOL_PORT} (ports below ${MIN_POOL_PORT} need root privileges).`,
    );
  }
  return value;
}

/** Validates the two settings; `undefined` means "not set" and takes the default. */
export function parsePortRange(start: unknown, end: unknown): PortRange {
  const s = checkPort(START_SETTING, start ?? DEFAULT_PORT_RANGE_START);
  const e = checkPort(END_SETTING, end ?? DEFAULT_PORT_RANGE_END);
  if (s > e) {
    throw new SettingsError(
      START_SETTING,
      `the start (${s}) is greater than ${END_SETTING} (${e}). Set start ≤ end.`,
    );
  }
  return { start: s, end: e, size: e - s + 1 };
}

export function inRange(range: PortRange, port: number): boolean {
  return Number.isInteger(port) && port >= range.start && port <= range.end;
}

/** A short, safe rendering of a setting value for error messages. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}
