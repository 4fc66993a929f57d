import * as assert from 'node:assert/strict';
import { execa } from 'execa';
import type { Page } from 'playwright-core';
import { writeDemoWorkspace } from '../../scripts/demoWorkspace';
import { CliEngine } from '../../src/core/engine/cliEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { LABEL_APP } from '../../src/core/engine/labels';
import { silentLogger } from '../../src/core/logger';
import { extensionLog } from '../harness/artifacts';
import { containersUnder, removeContainersUnder } from '../harness/containers';
import { requireTestDockerd } from '../harness/dockerd';
import { PACKAGED_VSIX } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { eventually, webviewInnerFrame } from '../harness/workbench';
import { hoverAction, paletteWithApp, reloadAndWaitForApps, runAppsFromPalette, uiSettings, userPool, waitForDescription } from './appsView';

const RANGE = { start: 37300, end: 37349 };
const APPS = ['alpha', 'beta'] as const;

const docker = new CliEngine({ kind: 'docker', binary: 'docker', exec: execaExec, stream: execaStream, logger: silentLogger });
const podman = new CliEngine({ kind: 'podman', binary: 'podman', exec: execaExec, stream: execaStream, logger: silentLogger });

describe('UI on docker: the extension with previewContainers.engine "docker" on the tests’ dockerd (packaged .vsix)', function () {
  this.timeout(180_000);
  let workspace: string | undefined;
  let ports = new Map<string, number>();
  const containerIds = new Map<string, string>();

  before(function () {
    requireTestDockerd(this); // before the session starts: a missing dockerd fails (CI) or skips here
  });

  const session = useWorkbenchSession({
    name: 'ui-docker',
    vsix: [PACKAGED_VSIX],
    extraArgs: (port) => ['--proxy-domain', `{{port}}.localhost:${port}`],
    userSettings: { 'previewContainers.engine': 'docker', ...userPool(RANGE) },
    // The extension host inherits the server's environment: it reaches the tests' dockerd only.
    env: () => ({ DOCKER_HOST: process.env.DOCKER_HOST ?? '' }),
    prepareWorkspace: async (folder) => {
      workspace = folder;
      writeDemoWorkspace(folder, uiSettings());
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace, 'docker');
  });

  /** Our docker containers under the workspace, by app id. */
  async function dockerContainers(): Promise<Map<string, { id: string; running: boolean; port: number | undefined }>> {
    const list = await containersUnder(docker, workspace!);
    return new Map(list.map((c) => [c.labels[LABEL_APP] ?? c.name, { id: c.id, running: c.running, port: c.ports[0]?.hostPort }]));
  }

  it('runs both apps from the palette, in docker containers on distinct pool ports; the log says docker runs them', async () => {
    const { page, server } = session();
    ports = await runAppsFromPalette(page, APPS, RANGE);
    const containers = await dockerContainers();
    for (const app of APPS) {
      const container = containers.get(`apps-${app}`);
      assert.equal(container?.running, true, `apps-${app} runs in docker`);
      assert.equal(container.port, ports.get(app));
      containerIds.set(app, container.id);
    }
    assert.deepEqual(await containersUnder(podman, workspace!), [], 'nothing in podman');
    const log = await eventually(() => extensionLog(server.userDataDir), { accept: (text) => /Using docker/.test(text) });
    assert.match(log, /Using docker 20\.10\.\d+\S* \(docker\)\./);
  });

  it('the preview tab of alpha renders the app, incl. its absolute-path script', async () => {
    const { page } = session();
    await paletteWithApp(page, 'Preview Containers: Open App Preview', 'alpha');
    const frame = webviewInnerFrame(page, '#app-frame');
    await appHeading(page, 'Hello from alpha');
    await eventually(async () => assert.match((await frame.locator('#from-script').textContent()) ?? '', /^\/app\.js of alpha ran/), { timeoutMs: 20_000 });
  });

  it('after a window reload the same containers are adopted (same ids, still running), on the same ports', async () => {
    const { page } = session();
    await reloadAndWaitForApps(page, ports);
    const containers = await dockerContainers();
    for (const app of APPS) {
      assert.equal(containers.get(`apps-${app}`)?.id, containerIds.get(app), `apps-${app}: the same container`);
      assert.equal(containers.get(`apps-${app}`)?.running, true);
    }
    await appHeading(page, 'Hello from alpha');
  });

  it('stop from the tree → stopped, port kept; run again → the same port', async () => {
    const { page } = session();
    const port = ports.get('beta')!;
    await hoverAction(page, 'beta', 'Stop App Container');
    await waitForDescription(page, 'beta', new RegExp(`^:${port} · stopped$`));
    assert.equal((await dockerContainers()).get('apps-beta')?.running, false);
    await hoverAction(page, 'beta', 'Run App Container');
    await waitForDescription(page, 'beta', new RegExp(`^:${port} · running$`));
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text().then((t) => /Hello from beta/.test(t)), true);
  });

  it('an external `docker stop` shows in the tree (engine events), the port kept', async () => {
    const { page } = session();
    const port = ports.get('alpha')!;
    const started = Date.now();
    await execa('docker', ['stop', '-t', '2', containerIds.get('alpha')!], { stdin: 'ignore' });
    const stopped = Date.now();
    await waitForDescription(page, 'alpha', new RegExp(`^:${port} · stopped$`), 10_000);
    console.log(`      external docker stop → tree: ${Date.now() - stopped} ms after the command returned (stop took ${stopped - started} ms)`);
  });
});

/** The preview tab shows the app's page (its heading, from inside the app's frame). */
async function appHeading(page: Page, text: string): Promise<void> {
  await eventually(async () => assert.equal(await webviewInnerFrame(page, '#app-frame').locator('h1').textContent({ timeout: 5000 }), text), { timeoutMs: 30_000 });
}
