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

/**
 * Logged by the suite when a phase passed and the runner will reload the window while this
 * extension host is still alive, as a user's reload happens. (When a suite exits, its extension
 * host ends, and the workbench saves its open editors without the webviews whose serializer went
 * with it: preview tabs would not come back for reasons no user meets.)
 */
export const PHASE_PASSED_MARKER = 'in-host suite passed phase';

const phaseFile = (dir: string): string => path.join(dir, 'phase');
const reloadFlag = (dir: string): string => path.join(dir, 'runner-reloads-next');

/** Whether the runner reloads the window after this phase (then the suite waits for it instead of exiting). */
export function setRunnerReloads(dir: string, reloads: boolean): void {
  if (reloads) {
    fs.writeFileSync(reloadFlag(dir), '');
  } else {
    fs.rmSync(reloadFlag(dir), { force: true });
  }
}

export function runnerReloads(dir: string | undefined): boolean {
  return dir !== undefined && fs.existsSync(reloadFlag(dir));
}
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
