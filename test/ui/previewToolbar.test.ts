import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { removeContainersUnder } from '../harness/containers';
import { PACKAGED_VSIX } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { delay } from '../harness/timing';
import { activeTabTitle, eventually, reloadWorkbench, runPaletteCommand, terminalRows, treeItem, waitForWorkbench, webviewContent, webviewInnerFrame } from '../harness/workbench';
import { openAppsView, TERMINAL_AS_DOM, uiSettings, userPool, waitForDescription } from './appsView';
import { packBrowserStandIn } from './browserStandIn';

/**
 * The preview toolbar (address bar, back, device sizes), opening on Run once the app answers, the
 * Integrated Browser where `workbench.action.browser.open` exists (a stand-in extension registers
 * it, as VS Code desktop does) and nowhere else, and the log terminal. Packaged .vsix, real podman.
 */

const RANGE = { start: 37800, end: 37809 };
const RANGE_WITHOUT = { start: 37810, end: 37819 };
const RED = '\u001b[31m';

/**
 * One app that answers only once a file named `go` appears in its folder (so the test decides when
 * it is ready), prints a red line, and serves `/` and `/about`, each showing the viewport width.
 */
async function writeShopApp(folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify({ name: 'shop', private: true, scripts: { start: 'node server.js' } }));
  await fs.writeFile(
    path.join(folder, 'server.js'),
    `const fs = require('node:fs');
const http = require('node:http');
const page = (title) => '<!doctype html><meta name="viewport" content="width=device-width"><h1>' + title + '</h1><p id="width"></p>' +
  '<script>const w = () => { document.getElementById("width").textContent = String(innerWidth); }; w(); addEventListener("resize", w);</script>';
console.log(${JSON.stringify(`${RED}shop red alert\u001b[0m`)});
const wait = setInterval(() => {
  if (!fs.existsSync('go')) return;
  clearInterval(wait);
  http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(req.url.startsWith('/about') ? 'About' : 'Home'));
  }).listen(Number(process.env.PORT), '0.0.0.0', () => console.log('shop listening'));
}, 100);
`,
  );
  await fs.mkdir(path.join(folder, '..', '.vscode'), { recursive: true });
  await fs.writeFile(path.join(folder, '..', '.vscode', 'settings.json'), JSON.stringify(uiSettings()));
}

const tab = (page: Page, title: RegExp) => page.locator('.tabs-container .tab', { has: page.locator('.label-name', { hasText: title }) });

/** The rows the palette lists for a text (it closes again). */
async function paletteRows(page: Page, text: string, expected: string): Promise<string[]> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(`>${text}`);
  try {
    await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: expected }).first().waitFor({ state: 'visible', timeout: 10_000 });
    return (await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents()).map((t) => t.trim());
  } finally {
    await page.keyboard.press('Escape');
  }
}

/** The labels of the tree item's context menu (closed again). */
async function contextMenu(page: Page, app: string): Promise<string[]> {
  await treeItem(page, 'previewContainers', new RegExp(`^${app},`)).click({ button: 'right' });
  const items = page.locator('.context-view .monaco-menu .action-label');
  await items.first().waitFor({ state: 'visible', timeout: 5000 });
  try {
    return (await items.allTextContents()).map((t) => t.trim());
  } finally {
    await page.keyboard.press('Escape');
  }
}

describe('UI: the preview toolbar, open when ready, the Integrated Browser and the log terminal (packaged .vsix, real podman)', function () {
  this.timeout(180_000);
  let workspace: string | undefined;
  let port = 0;
  const recordFile = path.join(os.tmpdir(), `preview-containers-browser-standin-${process.pid}.jsonl`);
  const standIn = path.join(os.tmpdir(), `preview-containers-browser-standin-${process.pid}.vsix`);

  before(async function () {
    this.timeout(60_000);
    await packBrowserStandIn(standIn, recordFile);
  });

  const session = useWorkbenchSession({
    name: 'ui-preview-toolbar',
    vsix: [PACKAGED_VSIX, standIn],
    port: 37890,
    userSettings: { ...userPool(RANGE), ...TERMINAL_AS_DOM },
    prepareWorkspace: async (folder) => {
      workspace = folder;
      await writeShopApp(path.join(folder, 'shop'));
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace);
    await fs.rm(standIn, { force: true });
    await fs.rm(recordFile, { force: true });
  });

  it('Run App Container opens the preview tab once the app answers, not before', async () => {
    const { page } = session();
    await openAppsView(page);
    await runPaletteCommand(page, 'Preview Containers: Run App Container');
    const starting = await waitForDescription(page, 'shop', /^:\d+ · starting…$/);
    port = Number(/^:(\d+)/.exec(starting)?.[1]);
    assert.ok(port >= RANGE.start && port <= RANGE.end, starting);
    // The container runs but does not answer yet: no tab, however long that lasts.
    await delay(3000);
    assert.match(await waitForDescription(page, 'shop', /./), /starting/);
    assert.equal(await tab(page, /^shop/).count(), 0, 'a preview tab before the app answered');
    await fs.writeFile(path.join(workspace!, 'shop', 'go'), '');
    await waitForDescription(page, 'shop', new RegExp(`^:${port} · running$`));
    await eventually(async () => assert.equal(await activeTabTitle(page), `shop :${port}`), { timeoutMs: 30_000 });
    await eventually(async () => assert.equal(await webviewInnerFrame(page, '#app-frame').locator('h1').textContent({ timeout: 2000 }), 'Home'), { timeoutMs: 30_000 });
  });

  it('the address bar shows the path; a typed /about loads; Back returns, Forward goes again', async () => {
    const { page } = session();
    const webview = webviewContent(page);
    const heading = webviewInnerFrame(page, '#app-frame').locator('h1');
    assert.equal(await webview.locator('#address').inputValue(), '/');
    assert.equal(await webview.locator('#back').isDisabled(), true);
    await webview.locator('#address').fill('/about');
    await webview.locator('#address').press('Enter');
    await eventually(async () => assert.equal(await heading.textContent({ timeout: 2000 }), 'About'));
    assert.equal(await webview.locator('#app-frame').getAttribute('src'), `http://shop.localhost:${port}/about`);
    await webview.locator('#back').click();
    await eventually(async () => assert.equal(await heading.textContent({ timeout: 2000 }), 'Home'));
    assert.equal(await webview.locator('#address').inputValue(), '/');
    await webview.locator('#forward').click();
    await eventually(async () => assert.equal(await heading.textContent({ timeout: 2000 }), 'About'));
    assert.equal(await webview.locator('#address').inputValue(), '/about');
    // Another site is refused, the frame stays where it is.
    await webview.locator('#address').fill('https://example.com/');
    await webview.locator('#address').press('Enter');
    assert.match((await webview.locator('#address').getAttribute('class')) ?? '', /invalid/);
    assert.equal(await webview.locator('#app-frame').getAttribute('src'), `http://shop.localhost:${port}/about`);
  });

  it('device sizes give the page the preset’s viewport width, rotate swaps it, and the choice survives a window reload', async () => {
    const { page } = session();
    const width = webviewInnerFrame(page, '#app-frame').locator('#width');
    await webviewContent(page).locator('#device').selectOption('phone');
    await eventually(async () => assert.equal(await width.textContent({ timeout: 2000 }), '390'));
    await webviewContent(page).locator('#device').selectOption('tablet');
    await eventually(async () => assert.equal(await width.textContent({ timeout: 2000 }), '820'));
    await webviewContent(page).locator('#rotate').click();
    await eventually(async () => assert.equal(await width.textContent({ timeout: 2000 }), '1180'));

    await reloadWorkbench(page);
    await waitForWorkbench(page);
    await tab(page, new RegExp(`^shop :${port}$`)).first().click({ timeout: 30_000 });
    await eventually(async () => assert.equal(await webviewContent(page).locator('#device').inputValue({ timeout: 2000 }), 'tablet'), { timeoutMs: 30_000 });
    await eventually(async () => assert.equal(await width.textContent({ timeout: 2000 }), '1180'), { timeoutMs: 30_000 });
    assert.equal(await webviewInnerFrame(page, '#app-frame').locator('h1').textContent(), 'About', 'the page it was on');
    await webviewContent(page).locator('#device').selectOption('fill');
  });

  it('with workbench.action.browser.open present, the toolbar, the palette and the tree offer the Integrated Browser; it gets the app’s URL', async () => {
    const { page } = session();
    // After the window reload above, the stand-in may have registered its command after our
    // extension looked; opening the preview asks again (as every open and every use does).
    await runPaletteCommand(page, 'Preview Containers: Open App Preview');
    const button = webviewContent(page).locator('#integrated');
    await eventually(async () => assert.equal(await button.isVisible(), true));
    await button.click();
    const recorded = await eventually(async () => (await fs.readFile(recordFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string), { accept: (urls) => urls.length === 1 });
    // code-server's asExternalUri of the app's port, at the path the preview shows.
    assert.match(recorded[0], new RegExp(`^http://127\\.0\\.0\\.1:37890/proxy/${port}/about$`));
    assert.ok((await paletteRows(page, 'Preview Containers: Open App in', 'Open App in Browser')).includes('Preview Containers: Open App in Integrated Browser'));
    await openAppsView(page);
    assert.ok((await contextMenu(page, 'shop')).includes('Open App in Integrated Browser'));
  });

  it('Logs opens a terminal that shows the app’s red line in red, and follows the new container after Restart', async () => {
    const { page } = session();
    await webviewContent(page).locator('#logs').click();
    const rows = terminalRows(page);
    await eventually(async () => assert.match(await rows.innerText({ timeout: 2000 }), /shop red alert[\s\S]*shop listening/), { timeoutMs: 20_000 });
    const red = rows.locator('span', { hasText: 'shop red alert' }).first();
    assert.match((await red.getAttribute('class')) ?? '', /\bxterm-fg-1\b/, 'ANSI red as the terminal’s red');
    await runPaletteCommand(page, 'Preview Containers: Restart App Container');
    await eventually(async () => assert.match(await rows.innerText({ timeout: 2000 }), /shop is (starting|running) in a new container[\s\S]*shop red alert[\s\S]*shop listening/), { timeoutMs: 60_000 });
    await waitForDescription(page, 'shop', new RegExp(`^:${port} · running$`));
  });
});

describe('UI: without workbench.action.browser.open (code-server as it is), the Integrated Browser is offered nowhere', function () {
  this.timeout(180_000);
  let workspace: string | undefined;
  const session = useWorkbenchSession({
    name: 'ui-no-integrated-browser',
    vsix: [PACKAGED_VSIX],
    port: 37891,
    userSettings: userPool(RANGE_WITHOUT),
    prepareWorkspace: async (folder) => {
      workspace = folder;
      await writeShopApp(path.join(folder, 'shop'));
      await fs.writeFile(path.join(folder, 'shop', 'go'), '');
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace);
  });

  it('neither the toolbar, the palette nor the tree', async () => {
    const { page } = session();
    await runPaletteCommand(page, 'Preview Containers: Open App Preview');
    await eventually(async () => assert.equal(await webviewInnerFrame(page, '#app-frame').locator('h1').textContent({ timeout: 2000 }), 'Home'), { timeoutMs: 60_000 });
    const webview = webviewContent(page);
    assert.equal(await webview.locator('#external').isVisible(), true);
    assert.equal(await webview.locator('#integrated').isVisible(), false);
    const rows = await paletteRows(page, 'Preview Containers: Open App in', 'Open App in Browser');
    assert.ok(rows.includes('Preview Containers: Open App in Browser'), rows.join(' | '));
    assert.ok(!rows.some((r) => r.includes('Integrated')), rows.join(' | '));
    await openAppsView(page);
    const menu = await contextMenu(page, 'shop');
    assert.ok(menu.includes('Open App in Browser'), menu.join(' | '));
    assert.ok(!menu.some((m) => m.includes('Integrated')), menu.join(' | '));
  });
});
