import * as vscode from 'vscode';
import type { AppController } from '../core/appController';
import type { Logger } from '../core/logger';
import { describeCleanup, type PoolCleanup } from '../core/poolJanitor';
import { runCommand } from './commandRunner';
import { appOfAllocation, type AllocationNode } from './otherAllocations';

export interface PoolCommandDeps {
  readonly controller: AppController;
  readonly logger: Logger;
  /** Leases of deleted folders, expired and abandoned ones, released now (Core.releaseUnused). */
  readonly releaseUnused: () => Promise<PoolCleanup>;
  /** Repaints the Apps view (its "Other allocations" section changed). */
  readonly repaint: () => void;
}

/** The pool-wide commands: "Release Unused Ports", and Release / Stop on an "Other allocations" entry. */
export class PoolCommands {
  constructor(private readonly deps: PoolCommandDeps) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('previewContainers.releaseUnusedPorts', () => this.run(() => this.releaseUnused())),
      vscode.commands.registerCommand('previewContainers.releaseAllocation', (node?: AllocationNode) => this.run(() => this.onEntry(node, (app) => this.deps.controller.release(app)))),
      vscode.commands.registerCommand('previewContainers.stopAllocation', (node?: AllocationNode) => this.run(() => this.onEntry(node, (app) => this.deps.controller.stop(app)))),
    ];
  }

  private async releaseUnused(): Promise<PoolCleanup> {
    const cleanup = await this.deps.releaseUnused();
    const message = describeCleanup(cleanup);
    this.deps.logger.info(message);
    void vscode.window.showInformationMessage(message);
    return cleanup;
  }

  private async onEntry<T>(node: AllocationNode | undefined, action: (app: ReturnType<typeof appOfAllocation>) => Promise<T>): Promise<T> {
    if (node?.kind !== 'allocation') {
      throw new Error(vscode.l10n.t('Choose an entry under "Other allocations" in the Apps view.'));
    }
    return action(appOfAllocation(node.entry));
  }

  private async run<T>(body: () => Promise<T>): Promise<T | undefined> {
    try {
      return await runCommand(this.deps.logger, body);
    } finally {
      this.deps.repaint();
    }
  }
}
