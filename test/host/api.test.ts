import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AppInfo, PreviewContainersApi } from '../../src/api';
import { RunAppTool } from '../../src/ui/languageModelTools';
import { activatedExtension } from './extensionUnderTest';

async function api(): Promise<PreviewContainersApi> {
  return (await activatedExtension()).exports as PreviewContainersApi;
}

function textOf(result: vscode.LanguageModelToolResult): string {
  return result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
}

describe('public API and language model tools (real podman)', function () {
  this.timeout(120_000);

  it('activate() returns the typed API: getApps lists the workspace apps', async () => {
    const exported = await api();
    assert.equal(exported.version, 1);
    const apps = await exported.getApps();
    assert.deepEqual(apps.map((a) => a.appId).sort(), ['apps-alpha', 'apps-beta']);
    assert.ok(apps.every((a) => typeof a.folder === 'string' && a.name.length > 0));
  });

  it('runApp goes through the allocator (a pool port, sticky) and onDidChangeApps reports the change', async () => {
    const exported = await api();
    const seen: (readonly AppInfo[])[] = [];
    const sub = exported.onDidChangeApps((apps) => seen.push(apps));
    try {
      const first = await exported.runApp('apps-alpha');
      const again = await exported.runApp('apps-alpha');
      assert.equal(again.port, first.port);
      const allocations = await exported.allocations();
      assert.ok(allocations.allocated.some((a) => a.appId === 'apps-alpha' && a.port === first.port));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(seen.some((apps) => apps.some((a) => a.appId === 'apps-alpha' && a.status === 'running' && a.port === first.port)));
      await exported.stopApp('apps-alpha');
      assert.equal((await exported.getApps()).find((a) => a.appId === 'apps-alpha')?.status, 'stopped');
    } finally {
      sub.dispose();
    }
  });

  it('rejects with a clear error for an unknown app', async () => {
    const exported = await api();
    await assert.rejects(exported.runApp('no-such-app'), /No app "no-such-app" in this workspace/);
  });

  it('contributes language model tools that chat agents can call', () => {
    const names = vscode.lm.tools.map((t) => t.name);
    assert.ok(names.includes('preview-containers_runApp'), names.join(', '));
    assert.ok(names.includes('preview-containers_listApps'));
  });

  it('the listApps tool describes the apps', async () => {
    const result = await vscode.lm.invokeTool('preview-containers_listApps', { input: {}, toolInvocationToken: undefined });
    assert.match(textOf(result), /apps-alpha .*stopped/);
    assert.match(textOf(result), /apps-beta/);
  });

  it('the runApp tool prepares a confirmation naming the app and saying it runs its code', async () => {
    // VS Code skips dialogs while extension tests run, so the confirmation cannot be seen through
    // invokeTool here: check what the tool asks the workbench to show.
    const def = { ref: { key: '/ws/apps/web', appId: 'apps-web', folder: '/ws/apps/web', name: 'web', root: '/ws' } };
    const operations = { find: () => Promise.resolve(def) } as unknown as ConstructorParameters<typeof RunAppTool>[0];
    const catalog = {} as ConstructorParameters<typeof RunAppTool>[1];
    const prepared = await new RunAppTool(operations, catalog).prepareInvocation({ input: { app: 'apps-web' } });
    assert.equal(prepared.confirmationMessages?.title, 'Run an app container?');
    const message = prepared.confirmationMessages?.message;
    assert.match(typeof message === 'string' ? message : (message?.value ?? ''), /Start \*\*web\*\*.*runs the app's own code/s);
  });

  it('the runApp tool starts the app through the allocator and returns its URL (invokeTool)', async () => {
    const result = await vscode.lm.invokeTool('preview-containers_runApp', { input: { app: 'apps-beta' }, toolInvocationToken: undefined });
    const text = textOf(result);
    const port = Number(/host port (\d+)/.exec(text)?.[1]);
    assert.match(text, new RegExp(`answering at http://localhost:${port}/`));
    const exported = await api();
    assert.equal((await exported.getApps()).find((a) => a.appId === 'apps-beta')?.port, port);
    assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), /Hello from beta/);
  });
});
