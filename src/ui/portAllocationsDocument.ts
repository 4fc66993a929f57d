import * as vscode from 'vscode';
import type { Allocations, PortAllocator } from '../core/portAllocator';

export const SCHEME = 'preview-containers';
const URI = vscode.Uri.from({ scheme: SCHEME, path: '/Port Allocations.json' });

/**
 * "Show Port Allocations": a read-only virtual JSON document (no "save changes?" prompt), refreshed
 * each time the command runs. The command also returns the object to `executeCommand` callers.
 */
export class PortAllocationsDocument implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private text = '{}';
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly allocator: PortAllocator,
    /** This window's apps: their entries say `thisWindow: true`. */
    private readonly ownKeys: () => ReadonlySet<string>,
  ) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
  }

  provideTextDocumentContent(): string {
    return this.text;
  }

  async show(): Promise<Allocations> {
    const allocations = await this.allocator.listAllocations(this.ownKeys());
    this.text = `${JSON.stringify(allocations, null, 2)}\n`;
    this.changed.fire(URI);
    const document = await vscode.workspace.openTextDocument(URI);
    // An already open copy (e.g. restored with the window) gets the new text asynchronously: show
    // and return only once it is there, so the tab and the returned object agree.
    await textArrives(document, this.text);
    await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
    return allocations;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

/** Resolves when the document holds `text` (or after `timeoutMs`, showing what it has). */
function textArrives(document: vscode.TextDocument, text: string, timeoutMs = 3000): Promise<void> {
  if (document.getText() === text) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    };
    const listener = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() === document.uri.toString() && e.document.getText() === text) {
        done();
      }
    });
    const timer = setTimeout(done, timeoutMs);
  });
}
