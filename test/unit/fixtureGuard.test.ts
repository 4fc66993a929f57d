import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';

/**
 * The layers' fixture (test/harness/dockerdFixture.ts) must never let a run exit 0 when its
 * teardown or its leftover check fails: these run a real mocha on a passing spec with such a fixture.
 */
describe('test fixtures fail the run (mocha global teardown and root hooks)', function () {
  this.timeout(30_000);
  let dir: string;
  const mocha = require.resolve('mocha/bin/mocha.js');
  const guard = path.resolve(__dirname, '../harness/fixtureGuard.js');

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pc-fixture-guard-'));
    await writeFile(path.join(dir, 'pass.test.js'), "it('passes', () => {});\n");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const runWith = async (fixture: string) => {
    await writeFile(path.join(dir, 'fixture.js'), fixture);
    return execa(process.execPath, [mocha, '--no-config', '--require', path.join(dir, 'fixture.js'), path.join(dir, 'pass.test.js')], { reject: false, all: true });
  };

  it('a teardown wrapped in failRunOnThrow that throws ends the run with 1 and its message', async () => {
    const result = await runWith(
      `const { failRunOnThrow } = require(${JSON.stringify(guard)});\n` +
        "exports.mochaGlobalTeardown = failRunOnThrow(async () => { throw new Error('dockerd did not stop'); });\n",
    );
    assert.equal(result.exitCode, 1, result.all);
    assert.match(result.all, /\[teardown\] failed: dockerd did not stop/);
  });

  it('a wrapped teardown that succeeds leaves the exit code to mocha (0 when all passed)', async () => {
    const result = await runWith(`const { failRunOnThrow } = require(${JSON.stringify(guard)});\nexports.mochaGlobalTeardown = failRunOnThrow(async () => {});\n`);
    assert.equal(result.exitCode, 0, result.all);
  });

  it('a root after-all hook that throws (the leftover check) counts as a failure', async () => {
    const result = await runWith("exports.mochaHooks = { afterAll() { throw new Error('the tests left 1 thing(s)'); } };\n");
    assert.notEqual(result.exitCode, 0, result.all);
    assert.match(result.all, /1 failing/);
    assert.match(result.all, /the tests left 1 thing\(s\)/);
  });
});
