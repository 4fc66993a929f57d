import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { InHostSuite, type PhaseResult } from '../harness/inHostRunner';
import { STATE_DIR_ENV } from '../harness/phaseState';
import { LOCAL_TEST_IMAGE, writeDemoWorkspace } from '../../scripts/demoWorkspace';
import { removeContainersUnder } from '../harness/containers';
import { makeTempDir, removeDir, REPO_ROOT } from '../harness/prerequisites';
import { HOST_RANGE } from './hostSettings';
import { useWorkbenchSession } from '../harness/session';

/**
 * Outer side of `npm run test:host` (plain mocha, not loaded in the host): runs the in-host suite
 * (out/test/host/index.js) in code-server's extension host: phase 1, window reload, phase 2.
 * The extension is this folder, loaded as the extension under development (dist/extension.js).
 */
describe('in-host suite in code-server', function () {
  // A phase starts real containers; on a loaded 2-core machine that can take minutes.
  this.timeout(300_000);
  let stateDir: string | undefined;
  let suite: InHostSuite | undefined;
  const results: PhaseResult[] = [];

  before(async () => {
    stateDir = await makeTempDir('host-state');
  });

  let workspaceFolder: string | undefined;
  const session = useWorkbenchSession({
    name: 'host',
    openWorkspace: false,
    // Two small apps, the local image (nothing can be pulled here), a pool of its own.
    prepareWorkspace: async (folder) => {
      workspaceFolder = folder;
      writeDemoWorkspace(folder, {
        'previewContainers.image': LOCAL_TEST_IMAGE,
        'previewContainers.pullPolicy': 'never',
        'previewContainers.portRange.start': HOST_RANGE.start,
        'previewContainers.portRange.end': HOST_RANGE.end,
      });
    },
    env: () => ({ [STATE_DIR_ENV]: stateDir! }),
    extraArtifacts: () => ({ 'suite-output.log': suite?.output ?? '' }),
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspaceFolder);
    await removeDir(stateDir);
  });

  async function runPhase(options: { thenReload?: boolean } = {}): Promise<void> {
    const { server, page, workspace } = session();
    suite ??= new InHostSuite({
      server,
      page,
      workspace,
      stateDir: stateDir!,
      extensionPath: REPO_ROOT,
      testsEntry: path.join(REPO_ROOT, 'out', 'test', 'host', 'index.js'),
      onLine: (line) => console.log(`      │ ${line}`),
    });
    const result = await suite.runNextPhase(options);
    results.push(result);
    if (result.exitCode !== 0) {
      const tail = result.output.split('\n').slice(-60).join('\n');
      assert.fail(`in-host suite phase ${result.phase} exited with ${result.exitCode}\n--- suite output (tail) ---\n${tail}`);
    }
  }

  it('phase 1: activation, Show Port Allocations, apps, API and tools, state before the reload', async () => {
    await runPhase({ thenReload: true });
  });

  it('phase 2: after a window reload', async function () {
    if (results[0]?.exitCode !== 0) {
      this.skip(); // phase 1 failed, and its failure says why
    }
    await runPhase();
  });
});

