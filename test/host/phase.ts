import { readPhase, readRecord, runnerReloads, STATE_DIR_ENV, writeRecord } from '../harness/phaseState';

/** Phase of the current in-host run (1 unless the runner set up phases). */
export function currentPhase(): number {
  return readPhase(process.env[STATE_DIR_ENV]);
}

/** Whether the runner reloads the window after this phase (the suite must then not exit). */
export function reloadFollows(): boolean {
  return runnerReloads(process.env[STATE_DIR_ENV]);
}

function stateDir(): string {
  const dir = process.env[STATE_DIR_ENV];
  if (dir === undefined) {
    throw new Error(`${STATE_DIR_ENV} is not set: reload tests need the phased runner (npm run test:host)`);
  }
  return dir;
}

/** Keeps a value for a later phase (it outlives the extension host). */
export function rememberForNextPhase(key: string, value: unknown): void {
  writeRecord(stateDir(), key, value);
}

/** A value kept by an earlier phase. */
export function recallFromEarlierPhase(key: string): unknown {
  return readRecord(stateDir(), key);
}
