import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export { assertDefaultAllocationsShape, type AllocationsShape } from './allocationsShape';

export const EXTENSION_ID = 'preview-containers.preview-containers';
export const SHOW_PORT_ALLOCATIONS = 'previewContainers.showPortAllocations';

export async function activatedExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in this extension host`);
  await extension.activate();
  assert.equal(extension.isActive, true);
  return extension;
}

/** The parsed text of the active editor, which must be the Port Allocations JSON document. */
export function activeEditorJson(): unknown {
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'no active text editor');
  assert.equal(editor.document.languageId, 'json');
  assert.match(editor.document.uri.path, /Port Allocations\.json$/);
  return JSON.parse(editor.document.getText()) as unknown;
}
