import * as assert from 'node:assert/strict';
import { PACKAGED_VSIX } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { activeEditorText, activeTabTitle, eventually, runPaletteCommand } from '../harness/workbench';
import { assertDefaultAllocationsShape } from '../host/allocationsShape';

describe('UI: Show Port Allocations (extension installed from the packaged .vsix)', function () {
  this.timeout(60_000);
  const session = useWorkbenchSession({ name: 'ui-show-port-allocations', vsix: [PACKAGED_VSIX] });

  it('opens a JSON editor from the palette whose text parses to the allocations', async () => {
    const { page } = session();
    await runPaletteCommand(page, 'Preview Containers: Show Port Allocations');
    await eventually(async () => assert.equal(await activeTabTitle(page), 'Port Allocations.json'));
    await eventually(async () => assert.equal((await page.locator('[id="status.editor.mode"]').textContent())?.trim(), 'JSON'));
    const allocations = await eventually(async () => JSON.parse(await activeEditorText(page)) as unknown);
    assertDefaultAllocationsShape(allocations);
  });
});
