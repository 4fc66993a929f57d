import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension, SHOW_PORT_ALLOCATIONS } from './extensionUnderTest';

describe('activation', () => {
  it('the extension activates in the extension host', async () => {
    await activatedExtension();
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(SHOW_PORT_ALLOCATIONS), `${SHOW_PORT_ALLOCATIONS} is not registered`);
  });
});
