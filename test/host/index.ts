import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { format } from 'node:util';
import { AFTER_RELOAD_TAG, PHASE_PASSED_MARKER, SUITE_START_MARKER } from '../harness/phaseState';
import { currentPhase, reloadFollows } from './phase';

/**
 * Entry of the in-host suite (the @vscode/test-electron contract: `run()` resolves when every test
 * passed). Loaded by the extension host of code-server (npm run test:host) or of VS Code desktop
 * (npm run test:host:electron). Phase 1 runs every test not tagged AFTER_RELOAD_TAG; phase 2, after
 * the window reload, runs only the tagged ones.
 */
export async function run(): Promise<void> {
  const phase = currentPhase();
  // The workbench forwards console output as text without applying printf-style formats: format here.
  Mocha.reporters.Base.consoleLog = (...data: unknown[]) => console.log(format(...data));
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  const tag = new RegExp(AFTER_RELOAD_TAG.replace(/[[\]]/g, '\\$&'));
  mocha.grep(tag);
  if (phase === 1) {
    mocha.invert();
  }
  const files = fs
    .readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.js'))
    .sort();
  for (const file of files) {
    mocha.addFile(path.join(__dirname, file));
  }
  console.log(`${SUITE_START_MARKER} ${phase}: ${files.length} test files`);
  const stats = await new Promise<Mocha.Stats | undefined>((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
  if (stats === undefined || stats.failures > 0) {
    throw new Error(`phase ${phase}: ${stats?.failures ?? '?'} test(s) failed`);
  }
  // A suite that loads no test must not pass.
  if (stats.passes === 0) {
    throw new Error(`phase ${phase}: no test ran`);
  }
  if (reloadFollows()) {
    // Stay alive: the runner reloads the window with this extension host running, as a user would.
    console.log(`${PHASE_PASSED_MARKER} ${phase}`);
    await new Promise<never>(() => undefined);
  }
}
