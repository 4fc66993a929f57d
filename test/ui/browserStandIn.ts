import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createVSIX } from '@vscode/vsce';
import { makeTempDir, removeDir } from '../harness/prerequisites';

/** The command of VS Code desktop's Integrated Browser (src/ui/integratedBrowser.ts looks for it). */
export const BROWSER_OPEN_COMMAND = 'workbench.action.browser.open';

/**
 * Packs a small extension that stands in for VS Code desktop's Integrated Browser, which
 * code-server lacks: at start-up it registers `workbench.action.browser.open` and appends every
 * URL it is given to `recordFile` (one JSON string a line).
 */
export async function packBrowserStandIn(vsixPath: string, recordFile: string): Promise<void> {
  const dir = await makeTempDir('browser-standin');
  try {
    await fs.writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name: 'integrated-browser-standin',
        publisher: 'preview-containers-test',
        version: '0.0.1',
        engines: { vscode: '^1.96.0' },
        main: './extension.js',
        activationEvents: ['*'],
      }),
    );
    await fs.writeFile(
      path.join(dir, 'extension.js'),
      `const vscode = require('vscode');
const fs = require('fs');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand(${JSON.stringify(BROWSER_OPEN_COMMAND)}, (url) => {
    fs.appendFileSync(${JSON.stringify(recordFile)}, JSON.stringify(String(url)) + '\\n');
  }));
};
`,
    );
    await fs.writeFile(path.join(dir, 'README.md'), 'Stands in for the Integrated Browser of VS Code desktop (test fixture).\n');
    await createVSIX({ cwd: dir, packagePath: vsixPath, dependencies: false, allowMissingRepository: true, allowStarActivation: true, skipLicense: true });
  } finally {
    await removeDir(dir);
  }
}
