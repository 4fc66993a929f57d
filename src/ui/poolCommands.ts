import * as vscode from 'vscode';
import type { AppController } from '../core/appController';
import type { Logger } from '../core/logger';
import { describeCleanup, type PoolCleanup } from '../core/poolJanitor';
import type { AllocationEntry } from '../core/portAllocator';
import { runCommand } from './commandRunner';
import { allocationState, appOfAllocation, type AllocationNode } from './otherAllocations';

export interface PoolCommandDeps {
  readonly controller: AppController;
  readonly logger: Logger;
  /** Leases of deleted folders, expired and abandoned ones, released now (Core.releaseUnused). */
  readonly releaseUnused: () => Promise<PoolCleanup>;
  /** Repaints the Apps view (its "Other allocations" section changed). */
  readonly repaint: () => void;
  /** The entries of the "Other allocations" section, for a command that came without one. */
  readonly otherAllocations: () => Promise<AllocationEntry[]>;
}

/** Which entries a command's picker offers, and what it says when there is none. */
interface EntryChoice {
  readonly offers: (entry: AllocationEntry) => boolean;
  readonly none: () => string;
}
const RELEASABLE: EntryChoice = { offers: () => true, none: () => vscode.l10n.t('No port is leased to an app outside this window.') };
/** Stop offers what may run (a stopped container has nothing to stop; unknown: the engine was not asked). */
const STOPPABLE: EntryChoice = { offers: (entry) => entry.running !== false, none: () => vscode.l10n.t('No app outside this window is running.') };

/** The pool-wide commands: "Release Unused Ports", and Release / Stop on an "Other allocations" entry. */
export class PoolCommands {
  constructor(private readonly deps: PoolCommandDeps) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('previewContainers.releaseUnusedPorts', () => this.run(() => this.releaseUnused())),
      vscode.commands.registerCommand('previewContainers.releaseAllocation', (node?: AllocationNode) => this.run(() => this.onEntry(node, RELEASABLE, (app) => this.deps.controller.release(app)))),
      vscode.commands.registerCommand('previewContainers.stopAllocation', (node?: AllocationNode) => this.run(() => this.onEntry(node, STOPPABLE, (app) => this.deps.controller.stop(app)))),
    ];
  }

  private async releaseUnused(): Promise<PoolCleanup> {
    const cleanup = await this.deps.releaseUnused();
    const message = describeCleanup(cleanup);
    this.deps.logger.info(message);
    void vscode.window.showInformationMessage(message);
    return cleanup;
  }

  /**
   * The entry of the clicked row, or one chosen from a picker: a click that lands while the view
   * repaints reaches the command without its row (VS Code resolves the row after the repaint).
   */
  private async onEntry<T>(node: AllocationNode | undefined, which: EntryChoice, action: (app: ReturnType<typeof appOfAllocation>) => Promise<T>): Promise<T | undefined> {
    const entry = node?.kind === 'allocation' ? node.entry : await this.pickEntry(which);
    return entry ? action(appOfAllocation(entry)) : undefined;
  }

  private async pickEntry(which: EntryChoice): Promise<AllocationEntry | undefined> {
    const entries = (await this.deps.otherAllocations()).filter(which.offers);
    if (entries.length === 0) {
      void vscode.window.showInformationMessage(which.none());
      return undefined;
    }
    const items = entries.map((entry) => ({ label: entry.appId, description: `:${entry.port} · ${allocationState(entry)}`, detail: entry.folder, entry }));
    const choice = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Other allocations'), placeHolder: vscode.l10n.t('Choose an allocation'), matchOnDescription: true, matchOnDetail: true });
    return choice?.entry;
  }

  private async run<T>(body: () => Promise<T>): Promise<T | undefined> {
    try {
      return await runCommand(this.deps.logger, body);
    } finally {
      this.deps.repaint();
    }
  }
}
