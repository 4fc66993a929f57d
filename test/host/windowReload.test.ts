import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { AFTER_RELOAD_TAG } from '../harness/phaseState';
import { activatedExtension, activeEditorJson, assertDefaultAllocationsShape, SHOW_PORT_ALLOCATIONS } from './extensionUnderTest';
import { configuredRange } from './hostWorkspace';
import { recallFromEarlierPhase, rememberForNextPhase } from './phase';

/**
 * Phase 1 runs the untagged tests, then the runner reloads the window (code-server) or restarts
 * VS Code with the same user data (desktop), then phase 2 runs the tagged ones.
 *
 * What this checks: a new extension host really started, the extension re-activates there and
 * "Show Port Allocations" reopens with the same allocations as before the reload. The apps suite
 * (apps.test.ts, which runs first) leaves two running apps with leases, so these allocations are
 * not empty: they prove the leases survived in globalState; apps.test.ts also checks adoption.
 */
describe('window reload', () => {
  it('before the reload: records the extension host and the allocations', async () => {
    await activatedExtension();
    const allocations = await vscode.commands.executeCommand<unknown>(SHOW_PORT_ALLOCATIONS);
    assertDefaultAllocationsShape(allocations, configuredRange());
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
    assertDefaultAllocationsShape(allocations, configuredRange());
    // The same leases, ports and apps; only `lastUsed` may move on (the reopened window uses its
    // running apps again: adoption and restored previews count as use, see leaseExpiry.ts).
    const withoutLastUsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'lastUsed' ? undefined : v)));
    assert.deepEqual(withoutLastUsed(allocations), withoutLastUsed(before.allocations));
    const lastUsed = (value: unknown): number[] => ((value as { allocated: { lastUsed: string }[] }).allocated ?? []).map((entry) => Date.parse(entry.lastUsed));
    lastUsed(allocations).forEach((at, i) => assert.ok(at >= (lastUsed(before.allocations)[i] ?? Number.NaN), 'lastUsed never goes back'));
    assert.deepEqual(activeEditorJson(), allocations);
  });
});
