import * as vscode from 'vscode';
import type { AppController } from '../core/appController';

/** `$(server) 2 apps`: how many apps run; click to show the Apps view. */
export class AppsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('previewContainers.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: { dispose(): void };

  constructor(private readonly controller: AppController) {
    this.item.name = 'Preview Containers';
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
    this.item.text = `$(server) ${running.length} app${running.length === 1 ? '' : 's'}${starting > 0 ? ` $(loading~spin) ${starting}` : ''}`;
    this.item.tooltip = running.length > 0 ? `Running: ${running.map((s) => `${s.app.name} :${s.port ?? '?'}`).join(', ')}` : 'Starting apps…';
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
