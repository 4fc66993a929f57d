import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { AFTER_RELOAD_TAG } from '../harness/phaseState';
import { activatedExtension, SHOW_PORT_ALLOCATIONS } from './extensionUnderTest';
import { configuredRange } from './hostWorkspace';
import { recallFromEarlierPhase, rememberForNextPhase } from './phase';

const run = promisify(execFile);

interface RunAppResult {
  appId: string;
  port: number;
  url: string;
}

interface Allocations {
  allocated: { appId: string; port: number }[];
  allocatedCount: number;
}

function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the in-host suite needs a workspace folder');
  return folder.uri.fsPath;
}

/** The running container of an app, as the engine itself says (id and start time). */
async function containerOf(appFolder: string): Promise<{ id: string; startedAt: string } | undefined> {
  const { stdout } = await run('podman', ['ps', '--format', 'json', '--filter', `label=previewContainers.path=${appFolder}`]);
  const [first] = JSON.parse(stdout) as { Id: string; StartedAt: number }[];
  return first ? { id: first.Id, startedAt: String(first.StartedAt) } : undefined;
}

async function httpText(url: string): Promise<string> {
  return (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
}

function previewTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('previewContainers.preview'));
}

describe('apps in the real extension host (real podman)', function () {
  this.timeout(120_000);
  let alphaFolder: string;
  let betaFolder: string;

  before(async () => {
    await activatedExtension();
    alphaFolder = path.join(workspaceFolder(), 'apps', 'alpha');
    betaFolder = path.join(workspaceFolder(), 'apps', 'beta');
  });

  it('runApp with an appId resolves to { appId, port, url }; the app answers there', async () => {
    const result = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-alpha');
    assert.equal(result.appId, 'apps-alpha');
    const range = configuredRange();
    assert.ok(result.port >= range.start && result.port <= range.end, String(result.port));
    assert.equal(result.url, `http://localhost:${result.port}/`);
    assert.match(await httpText(result.url), /Hello from alpha/);
  });

  it('runApp with a folder Uri (the explorer context menu) starts that app on another port', async () => {
    const alpha = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-alpha');
    const beta = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', vscode.Uri.file(betaFolder));
    assert.equal(beta.appId, 'apps-beta');
    assert.notEqual(beta.port, alpha.port);
    assert.match(await httpText(beta.url), /Hello from beta/);
  });

  it('runApp is idempotent: the running container is returned, not restarted', async () => {
    const before = await containerOf(alphaFolder);
    const again = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-alpha');
    const after = await containerOf(alphaFolder);
    assert.ok(before && after);
    assert.equal(after.id, before.id);
    assert.match(await httpText(again.url), /Hello from alpha/);
  });

  it('Show Port Allocations reports both apps with the right counts', async () => {
    const allocations = await vscode.commands.executeCommand<Allocations>(SHOW_PORT_ALLOCATIONS);
    assert.deepEqual(allocations.allocated.map((a) => a.appId).sort(), ['apps-alpha', 'apps-beta']);
    assert.equal(allocations.allocatedCount, 2);
  });

  it('stopApp keeps the lease; running again gets the same port; restartApp keeps it too', async () => {
    const first = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-beta');
    await vscode.commands.executeCommand('previewContainers.stopApp', 'apps-beta');
    assert.equal(await containerOf(betaFolder), undefined, 'no running container after stop');
    const allocations = await vscode.commands.executeCommand<Allocations>(SHOW_PORT_ALLOCATIONS);
    assert.ok(allocations.allocated.some((a) => a.appId === 'apps-beta' && a.port === first.port), 'lease kept');
    const second = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-beta');
    assert.equal(second.port, first.port);
    const restarted = await vscode.commands.executeCommand<RunAppResult>('previewContainers.restartApp', 'apps-beta');
    assert.equal(restarted.port, first.port);
    assert.match(await httpText(restarted.url), /Hello from beta/);
  });

  it('releasePort removes the container and forgets the lease; the next run allocates again', async () => {
    const released = await vscode.commands.executeCommand<number>('previewContainers.releasePort', 'apps-beta');
    assert.equal(typeof released, 'number');
    assert.equal(await containerOf(betaFolder), undefined);
    const allocations = await vscode.commands.executeCommand<Allocations>(SHOW_PORT_ALLOCATIONS);
    assert.ok(!allocations.allocated.some((a) => a.appId === 'apps-beta'));
    const again = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-beta');
    assert.equal(again.port, released, 'the lowest free port is the one just released');
  });

  it('openPreview starts nothing new for a running app and opens one tab per app (re-running focuses it)', async () => {
    const result = await vscode.commands.executeCommand<RunAppResult & { previewUrl: string }>('previewContainers.openPreview', 'apps-alpha');
    assert.ok(result.previewUrl.startsWith('http'), result.previewUrl);
    await vscode.commands.executeCommand('previewContainers.openPreview', 'apps-alpha');
    const tabs = previewTabs().filter((t) => t.label === `alpha :${result.port}`);
    assert.equal(tabs.length, 1, previewTabs().map((t) => t.label).join(', '));
  });

  it('an unknown app resolves to undefined (the user sees a notification, not a modal error) and starts nothing', async () => {
    const before = await vscode.commands.executeCommand<Allocations>(SHOW_PORT_ALLOCATIONS);
    assert.equal(await vscode.commands.executeCommand('previewContainers.runApp', 'no-such-app'), undefined);
    assert.deepEqual(await vscode.commands.executeCommand<Allocations>(SHOW_PORT_ALLOCATIONS), before);
  });

  it('records what the window shows before the reload', async () => {
    const alpha = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-alpha');
    const beta = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', 'apps-beta');
    // The tab phase 2 expects back must be open now (nothing in between closed it).
    assert.ok(previewTabs().some((t) => t.label === `alpha :${alpha.port}`), `preview tabs before the reload: ${previewTabs().map((t) => t.label).join(', ') || 'none'}`);
    rememberForNextPhase('apps', {
      alpha: { port: alpha.port, container: await containerOf(alphaFolder) },
      beta: { port: beta.port, container: await containerOf(betaFolder) },
    });
  });

  it(`${AFTER_RELOAD_TAG} leases survive the reload (globalState) and both running apps are adopted on the same ports`, async () => {
    type Seen = { port: number; container: { id: string; startedAt: string } };
    const before = recallFromEarlierPhase('apps') as { alpha: Seen; beta: Seen };
    const allocations = await vscode.commands.executeCommand<Allocations>(SHOW_PORT_ALLOCATIONS);
    assert.deepEqual(
      allocations.allocated.map((a) => [a.appId, a.port]).sort(),
      [
        ['apps-alpha', before.alpha.port],
        ['apps-beta', before.beta.port],
      ].sort(),
    );
    for (const [name, folder] of [
      ['alpha', alphaFolder],
      ['beta', betaFolder],
    ] as const) {
      const result = await vscode.commands.executeCommand<RunAppResult>('previewContainers.runApp', `apps-${name}`);
      assert.equal(result.port, before[name].port);
      assert.deepEqual(await containerOf(folder), before[name].container, `${name} was adopted, not restarted`);
    }
  });

  it(`${AFTER_RELOAD_TAG} the preview tab is restored and points at the same port`, async () => {
    const before = recallFromEarlierPhase('apps') as { alpha: { port: number } };
    const deadline = Date.now() + 20_000;
    while (!previewTabs().some((t) => t.label === `alpha :${before.alpha.port}`) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const allTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => `${g.viewColumn}:${t.label}${t.input instanceof vscode.TabInputWebview ? ` (webview ${t.input.viewType})` : ''}`));
    assert.ok(previewTabs().some((t) => t.label === `alpha :${before.alpha.port}`), `preview tabs: ${previewTabs().map((t) => t.label).join(', ') || 'none'}; all tabs: ${allTabs.join(', ')}`);
  });
});
