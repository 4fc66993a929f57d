import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension, activeEditorJson, assertDefaultAllocationsShape, SHOW_PORT_ALLOCATIONS } from './extensionUnderTest';
import { configuredRange } from './hostWorkspace';

describe('Show Port Allocations', () => {
  before(async () => {
    await activatedExtension();
  });

  it('returns the allocations to executeCommand callers (counts add up to the configured pool)', async () => {
    const result = await vscode.commands.executeCommand<unknown>(SHOW_PORT_ALLOCATIONS);
    assertDefaultAllocationsShape(result, configuredRange());
  });

  it('opens a JSON editor whose text is the same object', async () => {
    const result = await vscode.commands.executeCommand<unknown>(SHOW_PORT_ALLOCATIONS);
    assert.deepEqual(activeEditorJson(), result);
  });
});
