import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * How a multi-phase in-host run (phase 1, window reload, phase 2) tells the suite which phase it is
 * in. The extension host inherits code-server's environment, which cannot change between phases,
 * so the environment only names a folder and the phase is a file in it. No imports beyond Node:
 * the in-host suite loads this file too.
 */
export const STATE_DIR_ENV = 'PREVIEW_CONTAINERS_TEST_STATE_DIR';

/** First line the suite entry logs in each phase; the runner echoes output from there on. */
export const SUITE_START_MARKER = 'in-host suite, phase';

/** Tests whose title contains this run only in phase 2, after the window reload; all others only in phase 1. */
export const AFTER_RELOAD_TAG = '[after reload]';

const phaseFile = (dir: string): string => path.join(dir, 'phase');
const recordFile = (dir: string, key: string): string => path.join(dir, `record-${key}.json`);

export function writePhase(dir: string, phase: number): void {
  fs.writeFileSync(phaseFile(dir), `${phase}\n`);
}

/** The phase, or 1 when no state folder is configured (a single-phase run). */
export function readPhase(dir: string | undefined): number {
  if (dir === undefined || !fs.existsSync(phaseFile(dir))) {
    return 1;
  }
  const phase = Number(fs.readFileSync(phaseFile(dir), 'utf8').trim());
  if (!Number.isInteger(phase) || phase < 1) {
    throw new Error(`bad phase in ${phaseFile(dir)}`);
  }
  return phase;
}

export function writeRecord(dir: string, key: string, value: unknown): void {
  fs.writeFileSync(recordFile(dir, key), JSON.stringify(value, null, 2));
}

export function readRecord(dir: string, key: string): unknown {
  const file = recordFile(dir, key);
  if (!fs.existsSync(file)) {
    throw new Error(`nothing recorded under "${key}" in an earlier phase (${file})`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
}
