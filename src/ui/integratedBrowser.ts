import * as vscode from 'vscode';
import { contextKeys } from './contextKeys';
import { Disposable } from './dispose';

/** VS Code desktop's Integrated Browser (1.109+); code-server and older builds do not have it. */
export const INTEGRATED_BROWSER_COMMAND = 'workbench.action.browser.open';

/**
 * Whether the Integrated Browser exists here, as a context key (menus and the palette offer it only
 * then) and an event (open preview toolbars show or hide their button). Asked again whenever
 * extensions change and before each use, since an extension may contribute the command later.
 */
export class IntegratedBrowser extends Disposable {
  private availableValue = false;
  private readonly changed = this._register(new vscode.EventEmitter<boolean>());
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    contextKeys.integratedBrowser(false);
    this._register(vscode.extensions.onDidChange(() => void this.check()));
    void this.check();
  }

  get available(): boolean {
    return this.availableValue;
  }

  async check(): Promise<boolean> {
    const available = (await vscode.commands.getCommands(true)).includes(INTEGRATED_BROWSER_COMMAND);
    if (available !== this.availableValue && !this.isDisposed) {
      this.availableValue = available;
      contextKeys.integratedBrowser(available);
      this.changed.fire(available);
    }
    return available;
  }

  async open(url: string): Promise<void> {
    if (!(await this.check())) {
      throw new Error(vscode.l10n.t('VS Code’s Integrated Browser is not available here (it comes with VS Code desktop); use Open in Browser instead.'));
    }
    await vscode.commands.executeCommand(INTEGRATED_BROWSER_COMMAND, url);
  }
}
