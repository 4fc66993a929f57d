import * as vscode from 'vscode';
import type { RunAppResult } from '../api';
import type { AppDefinition } from '../core/appFolder';
import type { AppController } from '../core/appController';
import type { Exec } from '../core/engine/exec';
import { AppListenError, UntrustedWorkspaceError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { AppCatalog } from './appCatalog';
import type { AppOpener } from './appOpener';
import type { AppArgument, AppOperations } from './appOperations';
import { describeState } from './appsTreeProvider';
import { runCommand } from './commandRunner';
import { currentSettings } from './configuration';
import { pickEngineConnection } from './engineConnectionPicker';
import type { PortAllocationsDocument } from './portAllocationsDocument';
import type { PreviewPanels } from './previewPanel';

export interface CommandDeps {
  readonly operations: AppOperations;
  readonly previews: PreviewPanels;
  readonly opener: AppOpener;
  readonly catalog: AppCatalog;
  readonly controller: AppController;
  readonly allocations: PortAllocationsDocument;
  readonly logger: Logger;
  /** Re-reads apps, the engine and leases (the Refresh command). */
  readonly refresh: () => Promise<void>;
  /** Runs engine CLIs (the connection picker lists the engines' own connections). */
  readonly exec: Exec;
}

type Status = ReturnType<AppController['stateOf']>['status'];

/**
 * The palette, menu and keybinding entry points. A failure shows one notification (with Show Logs /
 * Retry / Open Settings as they apply) and the command resolves to `undefined`.
 */
export class Commands {
  constructor(private readonly deps: CommandDeps) {}

  register(): vscode.Disposable[] {
    const ops = this.deps.operations;
    const reg = (id: string, handler: (arg?: AppArgument) => Promise<unknown>): vscode.Disposable =>
      vscode.commands.registerCommand(id, (arg?: AppArgument) => handler(arg));
    const forApp = <T>(title: string, operation: (def: AppDefinition) => Promise<T>, suggest?: (status: Status) => boolean) => (arg?: AppArgument) =>
      this.withApp(arg, title, operation, suggest);
    return [
      // An appId string is another extension's executeCommand: it only runs, as the API does.
      reg('previewContainers.runApp', (arg) => forApp(vscode.l10n.t('Run App Container'), (d) => (typeof arg === 'string' ? ops.run(d) : this.runAndOpen(d)), (s) => s !== 'running')(arg)),
      reg('previewContainers.openPreview', forApp(vscode.l10n.t('Open App Preview'), (d) => this.deps.previews.openPreview(d))),
      reg('previewContainers.openInBrowser', forApp(vscode.l10n.t('Open App in Browser'), (d) => this.runThenOpen(d, 'external'))),
      reg('previewContainers.openInIntegratedBrowser', forApp(vscode.l10n.t('Open App in Integrated Browser'), (d) => this.runThenOpen(d, 'integratedBrowser'))),
      reg('previewContainers.stopApp', forApp(vscode.l10n.t('Stop App Container'), (d) => ops.stop(d), (s) => s === 'running' || s === 'starting')),
      reg('previewContainers.restartApp', forApp(vscode.l10n.t('Restart App Container'), (d) => ops.restart(d), (s) => s === 'running')),
      reg('previewContainers.rebuildApp', forApp(vscode.l10n.t('Rebuild App Container'), (d) => ops.rebuild(d), (s) => s !== 'starting')),
      reg('previewContainers.showLogs', forApp(vscode.l10n.t('Show App Container Logs'), (d) => ops.showLogs(d))),
      reg('previewContainers.releasePort', forApp(vscode.l10n.t('Release App Port'), (d) => ops.release(d))),
      reg('previewContainers.stopAll', () => runCommand(this.deps.logger, () => ops.stopAll())),
      reg('previewContainers.showPortAllocations', () => runCommand(this.deps.logger, () => this.deps.allocations.show())),
      reg('previewContainers.refresh', () => runCommand(this.deps.logger, () => this.deps.refresh())),
      reg('previewContainers.selectEngineConnection', () =>
        runCommand(this.deps.logger, () => (vscode.workspace.isTrusted ? pickEngineConnection(this.deps.exec) : Promise.reject(new UntrustedWorkspaceError()))),
      ),
    ];
  }

  /**
   * Run from the palette, the tree or the explorer: once the app answers, open it as
   * `previewContainers.openPreviewOnRun` says. (The API, the language model tools and
   * `executeCommand` with an appId only run.)
   */
  private async runAndOpen(def: AppDefinition): Promise<RunAppResult> {
    const result = await this.deps.operations.run(def);
    const target = currentSettings().openPreviewOnRun;
    if (target !== 'none') {
      await this.deps.opener.open(def, result, target, true);
    }
    return result;
  }

  private async runThenOpen(def: AppDefinition, target: 'external' | 'integratedBrowser'): Promise<void> {
    await this.deps.opener.open(def, await this.deps.operations.run(def), target);
  }

  private async withApp<T>(arg: AppArgument, title: string, operation: (def: AppDefinition) => Promise<T>, suggest?: (status: Status) => boolean): Promise<T | undefined> {
    const ops = this.deps.operations;
    const def = await runCommand(this.deps.logger, () => (arg === undefined ? this.pick(title, suggest) : ops.find(arg)));
    if (!def) {
      return undefined;
    }
    return runCommand(this.deps.logger, () => operation(def), {
      showLogs: () => ops.showLogs(def),
      retry: () => this.withApp(def, title, operation, suggest),
      useListenedPort: (error) => (error instanceof AppListenError && error.listenedPort !== undefined ? runCommand(this.deps.logger, () => ops.useListenedPort(def, error.listenedPort!)) : undefined),
    });
  }

  /** No argument: the only app, or a quick pick with the apps the command makes sense for first. */
  private async pick(title: string, suggest?: (status: Status) => boolean): Promise<AppDefinition | undefined> {
    await this.deps.catalog.ready();
    const apps = this.deps.catalog.all();
    if (apps.length === 0) {
      throw new Error(vscode.l10n.t('No apps found in this workspace: add a folder with a package.json or a Dockerfile, or list one in previewContainers.apps.'));
    }
    if (apps.length === 1) {
      return apps[0];
    }
    const items = apps.map((def) => {
      const state = this.deps.controller.stateOf(def.ref);
      return {
        label: def.ref.name,
        description: vscode.workspace.asRelativePath(def.ref.folder, true),
        detail: describeState(state),
        def,
        suggested: suggest?.(state.status) ?? true,
      };
    });
    items.sort((a, b) => Number(b.suggested) - Number(a.suggested));
    const choice = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Choose an app'), matchOnDescription: true });
    return choice?.def;
  }
}
