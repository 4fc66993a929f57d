import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDemoWorkspace } from '../../scripts/demoWorkspace';
import { removeContainersUnder } from '../harness/containers';
import { PACKAGED_VSIX } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { activeEditorText, activeTabTitle, eventually, openWorkbench, quickInputRow, runPaletteCommand, treeItem } from '../harness/workbench';
import { hoverAction, openAppsView, runAppsFromPalette, uiSettings, userPool, waitForDescription } from './appsView';

const RANGE = { start: 37750, end: 37769 };

/**
 * One user (one globalState), two workspaces: an app runs from the first; the window then opens
 * the second, whose Apps view lists that lease under "Other allocations"; Release frees it.
 */
describe('UI: the Apps view\'s "Other allocations" (packaged .vsix, real podman)', function () {
  this.timeout(180_000);
  let workspace: string | undefined;
  let second: string | undefined;
  const session = useWorkbenchSession({
    name: 'ui-other-allocations',
    vsix: [PACKAGED_VSIX],
    userSettings: userPool(RANGE),
    prepareWorkspace: async (folder) => {
      workspace = folder;
      writeDemoWorkspace(folder, uiSettings());
    },
  });

  after(async function () {
    this.timeout(60_000);
    await removeContainersUnder(workspace);
    if (second) {
      await fs.rm(second, { recursive: true, force: true });
    }
  });

  it('lists a lease of another workspace, and Release frees it', async () => {
    const { page, server } = session();
    const port = (await runAppsFromPalette(page, ['alpha'], RANGE)).get('alpha')!;
    second = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-ui-second-'));
    await fs.writeFile(path.join(second, 'README.md'), 'another workspace, no apps\n');
    await openWorkbench(page, server.folderUrl(second));
    await openAppsView(page);
    const section = treeItem(page, 'previewContainers', /^Other allocations,/);
    await section.click({ timeout: 30_000 });
    const description = await waitForDescription(page, 'apps-alpha', new RegExp(`^:${port} · running · used`));
    assert.match(description, /running/);

    await hoverAction(page, 'apps-alpha', 'Release Port');
    // A click that lands while the view repaints reaches the command without its row (seen once
    // in CI); the command then asks which entry, and the user picks it.
    const picker = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Other allocations' });
    await eventually(
      async () => {
        if (await picker.isVisible()) {
          await quickInputRow(page, 'apps-alpha').first().click({ timeout: 2000 });
        }
        assert.equal(await treeItem(page, 'previewContainers', /^apps-alpha,/).count(), 0);
      },
      { timeoutMs: 30_000 },
    );
    await runPaletteCommand(page, 'Preview Containers: Show Port Allocations');
    await eventually(async () => assert.equal(await activeTabTitle(page), 'Port Allocations.json'));
    const allocations = await eventually(async () => JSON.parse(await activeEditorText(page)) as { allocated: { appId: string }[] });
    assert.deepEqual(allocations.allocated.map((a) => a.appId), [], 'the lease is gone');
    await eventually(async () => assert.equal(await fetch(`http://127.0.0.1:${port}/`).then(() => 'answers', () => 'gone'), 'gone'), { timeoutMs: 30_000 });
  });
});
