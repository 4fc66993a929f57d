import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CliEngine } from '../../src/core/engine/cliEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { LABEL_BUILT_FOR } from '../../src/core/engine/labels';
import { silentLogger } from '../../src/core/logger';
import { removeContainersUnder } from '../harness/containers';
import { PACKAGED_VSIX } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { eventually, runPaletteCommand, webviewInnerFrame } from '../harness/workbench';
import { openAppsView, uiSettings, userPool, waitForDescription } from './appsView';

/** This suite's share of the machine's ports. */
const RANGE = { start: 37640, end: 37649 };
const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/apps/python-dockerfile');

const podman = new CliEngine({ kind: 'podman', binary: 'podman', exec: execaExec, stream: execaStream, logger: silentLogger });

describe('UI: a Dockerfile app (the Python fixture) built, run and previewed in code-server (packaged .vsix, podman)', function () {
  this.timeout(240_000);
  let workspace: string | undefined;
  let port: number | undefined;

  const session = useWorkbenchSession({
    name: 'ui-dockerfile',
    vsix: [PACKAGED_VSIX],
    extraArgs: (serverPort) => ['--proxy-domain', `{{port}}.localhost:${serverPort}`],
    userSettings: userPool(RANGE),
    prepareWorkspace: async (folder) => {
      workspace = folder;
      await fs.cp(FIXTURE, path.join(folder, 'api'), { recursive: true });
      await fs.mkdir(path.join(folder, '.vscode'), { recursive: true });
      await fs.writeFile(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(uiSettings(), null, 2));
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace, 'podman');
    if (workspace !== undefined) {
      const folder = await fs.realpath(path.join(workspace, 'api')).catch(() => path.join(workspace!, 'api'));
      for (const image of await podman.listImages({ key: LABEL_BUILT_FOR, value: folder })) {
        await podman.removeImage(image.tags[0] ?? image.id).catch(() => undefined);
      }
    }
  });

  it('runs from the palette: the image is built and the app runs on a pool port', async () => {
    const { page } = session();
    await openAppsView(page);
    // The only app of the workspace: the command takes it without asking.
    await runPaletteCommand(page, 'Preview Containers: Run App Container');
    const description = await waitForDescription(page, 'api', /^:\d+ · running$/, 120_000);
    port = Number(/^:(\d+)/.exec(description)?.[1]);
    assert.ok(port >= RANGE.start && port <= RANGE.end, description);
    assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), /<h1>python-dockerfile<\/h1>/);
  });

  it('the preview tab renders the Python app', async () => {
    const { page } = session();
    await runPaletteCommand(page, 'Preview Containers: Open App Preview');
    const frame = webviewInnerFrame(page, '#app-frame');
    await eventually(async () => assert.equal(await frame.locator('h1').textContent(), 'python-dockerfile'), { timeoutMs: 30_000 });
    // Filled in by the server from what the Dockerfile's RUN step wrote at build time.
    await eventually(async () => assert.match((await frame.locator('#served-by').textContent()) ?? '', /^served by Python 3\.\d+\.\d+/), { timeoutMs: 20_000 });
  });

  it('an edited Dockerfile shows in the tree; Rebuild App Container applies it on the same port', async () => {
    const { page } = session();
    const dockerfile = path.join(workspace!, 'api', 'Dockerfile');
    await fs.appendFile(dockerfile, '# edited\n');
    await waitForDescription(page, 'api', new RegExp(`^:${port} · running · Dockerfile changed — Rebuild$`), 30_000);
    await runPaletteCommand(page, 'Preview Containers: Rebuild App Container');
    await waitForDescription(page, 'api', new RegExp(`^:${port} · running$`), 120_000);
  });
});
