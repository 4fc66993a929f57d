import type * as vscode from 'vscode';

/**
 * Base of every long-lived UI object (as in vscode-livepreview and the GitHub PR extension): what
 * it creates is registered once and disposed with it; registering after disposal disposes at once.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly disposables: { dispose(): unknown }[] = [];
  private disposedValue = false;

  protected get isDisposed(): boolean {
    return this.disposedValue;
  }

  protected _register<T extends { dispose(): unknown }>(value: T): T {
    if (this.disposedValue) {
      value.dispose();
    } else {
      this.disposables.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this.disposedValue) {
      return;
    }
    this.disposedValue = true;
    for (const d of this.disposables.splice(0).reverse()) {
      d.dispose();
    }
  }
}
