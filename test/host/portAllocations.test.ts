import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension, activeEditorJson, assertDefaultAllocationsShape, SHOW_PORT_ALLOCATIONS } from './extensionUnderTest';

describe('Show Port Allocations', () => {
  before(async () => {
    await activatedExtension();
  });

  it('returns the allocations to executeCommand callers (default pool: 101 ports)', async () => {
    const result = await vscode.commands.executeCommand<unknown>(SHOW_PORT_ALLOCATIONS);
    assertDefaultAllocationsShape(result);
  });

  it('opens a JSON editor whose text is the same object', async () => {
    const result = await vscode.commands.executeCommand<unknown>(SHOW_PORT_ALLOCATIONS);
    assert.deepEqual(activeEditorJson(), result);
  });
});
