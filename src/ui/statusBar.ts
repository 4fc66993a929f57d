import * as vscode from 'vscode';
import type { AppController } from '../core/appController';

/** `$(server) 2 apps`: how many apps run; click to show the Apps view. */
export class AppsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('previewContainers.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: { dispose(): void };

  constructor(private readonly controller: AppController) {
    this.item.name = vscode.l10n.t('Preview Containers');
    this.item.command = 'previewContainers.apps.focus';
    this.subscription = controller.onDidChangeState(() => this.update());
    this.update();
  }

  update(): void {
    const states = this.controller.allStates();
    const running = states.filter((s) => s.status === 'running');
    const starting = states.filter((s) => s.status === 'starting').length;
    if (running.length === 0 && starting === 0) {
      this.item.hide();
      return;
    }
    const apps = running.length === 1 ? vscode.l10n.t('1 app') : vscode.l10n.t('{0} apps', running.length);
    this.item.text = `$(server) ${apps}${starting > 0 ? ` $(loading~spin) ${starting}` : ''}`;
    this.item.tooltip = running.length > 0 ? vscode.l10n.t('Running: {0}', running.map((s) => `${s.app.name} :${s.port ?? '?'}`).join(', ')) : vscode.l10n.t('Starting apps…');
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
