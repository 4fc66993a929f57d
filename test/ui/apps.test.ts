import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { makeAppRef } from '../../src/core/appIdentity';
import { writeViteApp } from '../engine/helpers';
import { writeDemoWorkspace, LOCAL_TEST_IMAGE } from '../../scripts/demoWorkspace';
import { ARTIFACTS_ROOT } from '../harness/artifacts';
import { removeContainersUnder, removeDependencyVolumes } from '../harness/containers';
import { PACKAGED_VSIX, REPO_ROOT } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { activeEditorText, activeTabTitle, eventually, notificationToasts, reloadWorkbench, runPaletteCommand, terminalRows, waitForWorkbench, webviewContent, webviewInnerFrame } from '../harness/workbench';
import { appDescription, hoverAction, openAppsView, paletteWithApp, reloadAndWaitForApps, runAppsFromPalette, TERMINAL_AS_DOM, uiSettings, userPool, waitForDescription } from './appsView';

const RANGE = { start: 32900, end: 32949 };
const SETTINGS = uiSettings();

describe('UI: Run App Container, the Apps tree and preview tabs (packaged .vsix, real podman)', function () {
  this.timeout(180_000);
  let workspace: string | undefined;
  const ports = new Map<string, number>();
  const session = useWorkbenchSession({
    name: 'ui-apps',
    vsix: [PACKAGED_VSIX],
    userSettings: { ...userPool(RANGE), ...TERMINAL_AS_DOM },
    // A host name per app port (`<port>.localhost:<server port>`, loopback in every browser): the
    // app is served at the root of its own origin, so absolute asset paths work. (`{{host}}` would
    // also match `127.0.0.1:<port>` and proxy the workbench itself.)
    extraArgs: (port) => ['--proxy-domain', `{{port}}.localhost:${port}`],
    prepareWorkspace: async (folder) => {
      workspace = folder;
      writeDemoWorkspace(folder, SETTINGS);
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace);
  });

  it('runs both apps from the palette on distinct pool ports; the tree shows them', async () => {
    const { page } = session();
    for (const [app, port] of await runAppsFromPalette(page, ['alpha', 'beta'], RANGE)) {
      ports.set(app, port);
    }
    for (const [app, port] of ports) {
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      assert.match(body, new RegExp(`Hello from ${app}`));
    }
  });

  it('"Show Port Allocations" reports both with the right counts', async () => {
    const { page } = session();
    await runPaletteCommand(page, 'Preview Containers: Show Port Allocations');
    await eventually(async () => assert.equal(await activeTabTitle(page), 'Port Allocations.json'));
    const allocations = await eventually(async () => JSON.parse(await activeEditorText(page)) as { allocated: { appId: string; port: number }[]; allocatedCount: number; availableCount: number }, {
      accept: (a) => a.allocatedCount === 2,
    });
    assert.deepEqual(
      allocations.allocated.map((a) => [a.appId, a.port]).sort(),
      [
        ['apps-alpha', ports.get('alpha')],
        ['apps-beta', ports.get('beta')],
      ].sort(),
    );
    assert.equal(allocations.availableCount, RANGE.end - RANGE.start + 1 - 2);
  });

  for (const app of ['alpha', 'beta']) {
    it(`the preview tab of ${app} shows its own page, incl. an absolute-path script, from the asExternalUri URL`, async () => {
      const { page, server } = session();
      await paletteWithApp(page, 'Preview Containers: Open App Preview', app);
      const port = ports.get(app)!;
      await eventually(async () => assert.equal(await activeTabTitle(page), `${app} :${port}`));
      const webview = webviewContent(page);
      // code-server's asExternalUri with --proxy-domain {{port}}.{{host}}: a host name per port.
      const expected = `http://${port}.localhost:${server.port}/`;
      await eventually(async () => assert.equal(await webview.locator('#app-frame').getAttribute('src'), expected), { timeoutMs: 20_000 });
      const frame = webview.frameLocator('#app-frame');
      await eventually(async () => assert.equal(await frame.locator('h1').textContent(), `Hello from ${app}`), { timeoutMs: 20_000 });
      await eventually(async () => assert.match((await frame.locator('#from-script').textContent()) ?? '', new RegExp(`^/app\\.js of ${app} ran`)), { timeoutMs: 20_000 });
      assert.equal(await webview.locator('#notice').isVisible(), false, 'no proxy warning');
    });
  }

  it('the preview webview has a strict CSP: default-src none, scripts by nonce, frames only from the app', async () => {
    const { page, server } = session();
    const csp = (await webviewContent(page).locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.match((directives.get('script-src') ?? []).join(' '), /^'nonce-[A-Za-z0-9+/=]+'$/);
    const port = ports.get('beta')!;
    assert.deepEqual(directives.get('frame-src')?.sort(), [`http://${port}.localhost:${server.port}`, `http://apps-beta.localhost:${port}`].sort());
  });

  it('stop from the tree → stopped, port kept; the preview says so; run again → same port', async () => {
    const { page } = session();
    await openAppsView(page);
    const port = ports.get('beta')!;
    await hoverAction(page, 'beta', 'Stop App Container');
    await waitForDescription(page, 'beta', new RegExp(`^:${port} · stopped$`));
    await eventually(async () => assert.match((await webviewContent(page).locator('#stopped-text').textContent()) ?? '', /beta is not running/));
    await hoverAction(page, 'beta', 'Run App Container');
    await waitForDescription(page, 'beta', new RegExp(`^:${port} · running$`));
    await eventually(async () => assert.equal(await webviewInnerFrame(page, '#app-frame').locator('h1').textContent(), 'Hello from beta'), { timeoutMs: 20_000 });
  });

  it('the status bar counts running apps; the toolbar "Logs" button follows the app’s logs in a terminal', async () => {
    const { page } = session();
    await eventually(async () => assert.equal(await page.locator('.statusbar-item', { hasText: /^\s*2 apps\s*$/ }).count(), 1));
    await webviewContent(page).locator('#logs').click();
    await eventually(async () => assert.match(await terminalRows(page).innerText({ timeout: 2000 }), /beta listening on 0\.0\.0\.0:3000/), { timeoutMs: 20_000 });
  });

  it('takes the README screenshot (tree + a preview tab)', async () => {
    const { page } = session();
    await openAppsView(page);
    await paletteWithApp(page, 'Preview Containers: Open App Preview', 'alpha');
    await eventually(async () => assert.equal(await webviewInnerFrame(page, '#app-frame').locator('h1').textContent(), 'Hello from alpha'), { timeoutMs: 20_000 });
    await eventually(async () => assert.equal(await notificationToasts(page).count(), 0), { timeoutMs: 20_000 });
    const target = process.env.UPDATE_README_SCREENSHOT ? path.join(REPO_ROOT, 'docs', 'images', 'preview-containers.png') : path.join(ARTIFACTS_ROOT, 'screenshots', 'preview-containers.png');
    await fs.mkdir(path.dirname(target), { recursive: true });
    await page.screenshot({ path: target });
    assert.ok((await fs.stat(target)).size > 10_000);
  });

  it('after a window reload the leases, the tree and the open preview tab come back on the same ports', async () => {
    const { page } = session();
    await reloadAndWaitForApps(page, ports);
    // Both preview tabs were restored by the serializer, titled with their (same) ports, and each
    // reconnects to its app.
    for (const [app, port] of ports) {
      const tab = page.locator('.tabs-container .tab', { has: page.locator('.label-name', { hasText: `${app} :${port}` }) });
      await tab.first().click({ timeout: 30_000 });
      await eventually(async () => assert.equal(await webviewInnerFrame(page, '#app-frame').locator('h1').textContent(), `Hello from ${app}`), { timeoutMs: 30_000 });
    }
  });
});

describe('UI: preview through a path-prefixed proxy (code-server without --proxy-domain)', function () {
  this.timeout(120_000);
  let workspace: string | undefined;
  const session = useWorkbenchSession({
    name: 'ui-direct',
    vsix: [PACKAGED_VSIX],
    userSettings: userPool({ start: 32950, end: 32959 }),
    // As in VS Code desktop: the preview frame may keep cookies (it is a third-party context).
    allowThirdPartyCookies: true,
    prepareWorkspace: async (folder) => {
      workspace = folder;
      writeDemoWorkspace(folder, SETTINGS);
      for (const name of ['cookie-a', 'cookie-b']) {
        await writeCookieApp(path.join(folder, 'apps', name), name);
      }
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace);
  });

  it('asExternalUri gives /proxy/<port>/, which breaks absolute paths; the browser reaches the port, so the preview loads it directly', async () => {
    const { page } = session();
    await paletteWithApp(page, 'Preview Containers: Open App Preview', 'alpha');
    const webview = webviewContent(page);
    // Its own host name (not 127.0.0.1): cookies and storage stay apart from other apps.
    await eventually(async () => assert.equal(await webview.locator('#app-frame').getAttribute('src'), 'http://apps-alpha.localhost:32950/'), { timeoutMs: 60_000 });
    const config = JSON.parse((await webview.locator('#config').textContent()) ?? '{}') as { urls: { external: string; externalAtRoot: boolean } };
    assert.match(config.urls.external, /^http:\/\/127\.0\.0\.1:\d+\/proxy\/32950\/$/);
    assert.equal(config.urls.externalAtRoot, false);
    const frame = webview.frameLocator('#app-frame');
    await eventually(async () => assert.match((await frame.locator('#from-script').textContent()) ?? '', /^\/app\.js of alpha ran/), { timeoutMs: 20_000 });
    assert.equal(await webview.locator('#notice').isVisible(), false);
  });

  it('each app has its own origin: a cookie set by one app is not visible to another', async () => {
    const { page } = session();
    const cookiesOf = async (app: string): Promise<string> => {
      await paletteWithApp(page, 'Preview Containers: Open App Preview', app);
      const frame = webviewInnerFrame(page, '#app-frame');
      await eventually(async () => assert.equal(await frame.locator('h1').textContent(), app), { timeoutMs: 60_000 });
      // Reload once so the page sees the cookie its first response set.
      await webviewContent(page).locator('#reload').click();
      return eventually(async () => (await frame.locator('#cookies').textContent()) ?? '', { accept: (t) => t.includes(`seen_by_${app}=1`), timeoutMs: 20_000 });
    };
    const a = await cookiesOf('cookie-a');
    const b = await cookiesOf('cookie-b');
    assert.match(a, /seen_by_cookie-a=1/, 'cookies work at all (positive control)');
    assert.doesNotMatch(b, /seen_by_cookie-a/, `cookie-b sees cookie-a's cookie: ${b}`);
    assert.match(b, /seen_by_cookie-b=1/);
  });
});

describe('UI: welcome views, live discovery and clear errors', function () {
  this.timeout(180_000);
  let workspace = '';
  const session = useWorkbenchSession({
    name: 'ui-welcome',
    vsix: [PACKAGED_VSIX],
    prepareWorkspace: async (folder) => {
      workspace = folder;
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace);
  });

  /**
   * As the user sets them (the engine binary and the port pool are user settings only). code-server
   * does not pick up an outside edit of the user settings file in an open window, so the window is
   * reloaded (the extension activates again with them).
   */
  async function writeSettings(settings: Record<string, unknown>): Promise<void> {
    const { server, page } = session();
    await server.writeUserSettings(settings);
    await reloadWorkbench(page);
    await waitForWorkbench(page);
    await openAppsView(page);
  }

  function welcome(page: Page) {
    return page.locator('[id="workbench.view.extension.previewContainers"] .welcome-view-content');
  }

  it('an empty workspace shows the "no apps" welcome', async () => {
    const { page } = session();
    await openAppsView(page);
    await eventually(async () => assert.match((await welcome(page).textContent({ timeout: 2000 })) ?? '', /No apps found in this workspace/));
  });

  it('with no engine found, the welcome says what to install', async () => {
    const { page } = session();
    await writeSettings({ 'previewContainers.enginePath': '/nonexistent/podman' });
    await eventually(async () => assert.match((await welcome(page).textContent({ timeout: 2000 })) ?? '', /No container engine was found.*apt-get install -y podman runc/s), { timeoutMs: 30_000 });
  });

  it('a package.json appearing adds the app live; a missing image gives a clear error with actions', async () => {
    const { page } = session();
    await writeSettings({ 'previewContainers.image': 'localhost/does-not-exist:1', 'previewContainers.pullPolicy': 'never', 'previewContainers.portRange.start': 32970, 'previewContainers.portRange.end': 32979 });
    await fs.mkdir(path.join(workspace, 'shop'), { recursive: true });
    await fs.writeFile(path.join(workspace, 'shop', 'package.json'), JSON.stringify({ name: 'shop', scripts: { start: 'node server.js' } }));
    // The engine comes back (settings changed) and the new app is discovered without a reload.
    await runPaletteCommand(page, 'Preview Containers: Refresh');
    await eventually(async () => assert.match(await appDescription(page, 'shop'), /stopped/), { timeoutMs: 30_000 });
    await runPaletteCommand(page, 'Preview Containers: Run App Container');
    const toast = notificationToasts(page).filter({ hasText: 'localhost/does-not-exist:1' });
    await eventually(async () => assert.match((await toast.first().textContent({ timeout: 2000 })) ?? '', /is not available locally and previewContainers\.pullPolicy is "never"/), { timeoutMs: 30_000 });
    assert.ok(await toast.first().getByRole('button', { name: 'Open Settings' }).isVisible());
    assert.ok(await toast.first().getByRole('button', { name: 'Retry' }).isVisible());
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal "command resulted in an error" dialog');
    await waitForDescription(page, 'shop', /^failed$/);
    // Nothing half-allocated.
    await runPaletteCommand(page, 'Preview Containers: Show Port Allocations');
    const allocations = await eventually(async () => JSON.parse(await activeEditorText(page)) as { allocatedCount: number }, { accept: (a) => typeof a.allocatedCount === 'number' });
    assert.equal(allocations.allocatedCount, 0);
  });

  it('an engine that goes away is reported, and picked up again without a reload when it returns', async () => {
    const { page } = session();
    // The engine binary through a wrapper we can take away and put back.
    const bin = path.join(workspace, '.engine-bin');
    await fs.mkdir(bin, { recursive: true });
    const wrapper = path.join(bin, 'podman');
    await fs.writeFile(wrapper, '#!/bin/sh\nexec podman "$@"\n', { mode: 0o755 });
    await writeSettings({ 'previewContainers.enginePath': wrapper, 'previewContainers.image': LOCAL_TEST_IMAGE, 'previewContainers.pullPolicy': 'never' });
    await eventually(async () => assert.match(await appDescription(page, 'shop'), /failed|stopped/), { timeoutMs: 30_000 });
    await fs.rename(wrapper, `${wrapper}.away`);
    await runPaletteCommand(page, 'Preview Containers: Refresh');
    await eventually(async () => assert.match((await welcome(page).textContent({ timeout: 2000 })) ?? '', /No container engine was found/), { timeoutMs: 30_000 });
    await fs.rename(`${wrapper}.away`, wrapper);
    // No click, no reload: the extension retries by itself.
    await eventually(async () => assert.match(await appDescription(page, 'shop'), /failed|stopped/), { timeoutMs: 30_000 });
  });
});

/** An app that sets a cookie named after itself and shows every cookie its page can see. */
async function writeCookieApp(folder: string, name: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify({ name, scripts: { start: 'node server.js' } }));
  await fs.writeFile(
    path.join(folder, 'server.js'),
    `require('http').createServer((req, res) => {
  // SameSite=None: the preview frame is embedded in the editor's page (a third-party context);
  // Secure is accepted on http://*.localhost, which browsers treat as a secure context.
  res.setHeader('set-cookie', 'seen_by_${name}=1; Path=/; SameSite=None; Secure');
  res.setHeader('content-type', 'text/html');
  res.end('<!doctype html><h1>${name}</h1><p id="cookies"></p><script>document.getElementById("cookies").textContent = "cookies: " + document.cookie;</script>');
}).listen(Number(process.env.PORT), '0.0.0.0');
`,
  );
}

describe('UI: a real Vite app, zero-config, renders in the preview', function () {
  this.timeout(600_000);
  let workspace: string | undefined;
  const session = useWorkbenchSession({
    name: 'ui-vite',
    vsix: [PACKAGED_VSIX],
    userSettings: userPool({ start: 32980, end: 32989 }),
    extraArgs: (port) => ['--proxy-domain', `{{port}}.localhost:${port}`],
    prepareWorkspace: async (folder) => {
      workspace = folder;
      await writeViteApp(path.join(folder, 'site'), 'vite-site');
      await fs.mkdir(path.join(folder, '.vscode'), { recursive: true });
      await fs.writeFile(
        path.join(folder, '.vscode', 'settings.json'),
        JSON.stringify({ ...SETTINGS, 'previewContainers.startupTimeoutSeconds': 500 }),
      );
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace);
    if (workspace) {
      await removeDependencyVolumes([makeAppRef(path.join(workspace, 'site'), workspace)]);
    }
  });

  it('installs vite inside the container and the preview shows the page its TypeScript module rendered', async () => {
    const { page } = session();
    // The only app of the workspace: no quick pick.
    await runPaletteCommand(page, 'Preview Containers: Open App Preview');
    const frame = webviewInnerFrame(page, '#app-frame');
    await eventually(async () => assert.equal(await frame.locator('h1').textContent({ timeout: 2000 }), 'vite-site'), { timeoutMs: 500_000, intervalMs: 1000 });
    await eventually(async () => assert.equal(await frame.locator('#out').textContent(), 'rendered by vite: vite-site'), { timeoutMs: 30_000 });
  });
});
