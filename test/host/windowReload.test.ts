import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { AFTER_RELOAD_TAG } from '../harness/phaseState';
import { activatedExtension, activeEditorJson, assertDefaultAllocationsShape, SHOW_PORT_ALLOCATIONS } from './extensionUnderTest';
import { recallFromEarlierPhase, rememberForNextPhase } from './phase';

/**
 * Phase 1 runs the untagged tests, then the runner reloads the window (code-server) or restarts
 * VS Code with the same user data (desktop), then phase 2 runs the tagged ones.
 *
 * What this checks today: a new extension host really started, the extension re-activates there and
 * "Show Port Allocations" reopens with the same allocations as before the reload. It does NOT yet
 * prove that a lease survives the reload: nothing can make a lease until `previewContainers.runApp`
 * exists, so the allocations are empty on both sides. See LEASE_SURVIVES_RELOAD below.
 */
describe('window reload', () => {
  it('before the reload: records the extension host and the allocations', async () => {
    await activatedExtension();
    const allocations = await vscode.commands.executeCommand<unknown>(SHOW_PORT_ALLOCATIONS);
    assertDefaultAllocationsShape(allocations);
    rememberForNextPhase('before-reload', { extensionHostPid: process.pid, allocations });
  });

  it(`${AFTER_RELOAD_TAG} runs in a new extension host`, () => {
    const before = recallFromEarlierPhase('before-reload') as { extensionHostPid: number };
    assert.notEqual(process.pid, before.extensionHostPid, 'same extension host process: the window was not reloaded');
  });

  it(`${AFTER_RELOAD_TAG} the extension re-activates and the allocations document reopens unchanged`, async () => {
    const before = recallFromEarlierPhase('before-reload') as { allocations: unknown };
    await activatedExtension();
    const allocations = await vscode.commands.executeCommand<unknown>(SHOW_PORT_ALLOCATIONS);
    assertDefaultAllocationsShape(allocations);
    assert.deepEqual(allocations, before.allocations);
    assert.deepEqual(activeEditorJson(), allocations);
  });

  // LEASE_SURVIVES_RELOAD — the lead adds the real globalState check here once
  // `previewContainers.runApp` exists: before the reload run an app and remember its port; after it,
  // assert "Show Port Allocations" still lists that app on that port (and that a second run reuses it).
  it.skip('before the reload: makes a lease with previewContainers.runApp (LEASE_SURVIVES_RELOAD: needs runApp)');
  it.skip(`${AFTER_RELOAD_TAG} the lease made before the reload is still allocated (LEASE_SURVIVES_RELOAD: needs runApp)`);
});
