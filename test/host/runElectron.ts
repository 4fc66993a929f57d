import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { STATE_DIR_ENV, writePhase } from '../harness/phaseState';
import { makeTempDir, removeDir, REPO_ROOT } from '../harness/prerequisites';

/**
 * `npm run test:host:electron`: the same in-host suite as `npm run test:host`, in VS Code desktop
 * through @vscode/test-electron. VS Code desktop cannot be downloaded on our machines, so it takes
 * an installed one from VSCODE_EXECUTABLE_PATH; VSCODE_TEST_VERSION (e.g. "stable") lets
 * test-electron download one where that works. Phase 2 is a restart with the same user data
 * folder, desktop's counterpart of the browser window reload.
 */
async function main(): Promise<number> {
  const executable = process.env['VSCODE_EXECUTABLE_PATH'];
  const version = process.env['VSCODE_TEST_VERSION'];
  if (!executable && !version) {
    console.error(
      [
        'test:host:electron needs VS Code desktop, which cannot be downloaded here.',
        'Set VSCODE_EXECUTABLE_PATH to an installed VS Code executable, e.g.',
        '  VSCODE_EXECUTABLE_PATH=/usr/share/code/code npm run test:host:electron',
        'or, where the VS Code download site is reachable, VSCODE_TEST_VERSION=stable npm run test:host:electron.',
        'Without a display, wrap it in xvfb-run -a. The code-server run of the same suite is npm run test:host.',
      ].join('\n'),
    );
    return 2;
  }
  if (executable && !fs.existsSync(executable)) {
    console.error(`VSCODE_EXECUTABLE_PATH=${executable} does not exist.`);
    return 2;
  }
  const root = await makeTempDir('electron');
  try {
    const workspace = path.join(root, 'workspace');
    const stateDir = path.join(root, 'state');
    for (const dir of [workspace, stateDir]) {
      fs.mkdirSync(dir, { recursive: true });
    }
    for (const phase of [1, 2]) {
      writePhase(stateDir, phase);
      console.log(`--- in-host suite in VS Code desktop, phase ${phase} ---`);
      const exitCode = await runTests({
        ...(executable ? { vscodeExecutablePath: executable } : { version }),
        extensionDevelopmentPath: REPO_ROOT,
        extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'host', 'index.js'),
        extensionTestsEnv: { [STATE_DIR_ENV]: stateDir },
        launchArgs: [
          workspace,
          '--user-data-dir', path.join(root, 'user-data'),
          '--extensions-dir', path.join(root, 'extensions'),
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
        ],
      });
      if (exitCode !== 0) {
        console.error(`phase ${phase} failed (exit code ${exitCode})`);
        return exitCode;
      }
    }
    return 0;
  } finally {
    await removeDir(root);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
