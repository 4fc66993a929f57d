import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppController, RunResult } from '../core/appController';
import { UntrustedWorkspaceError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { AppCatalog } from './appCatalog';
import type { AppLogs } from './appLogs';
import { describeState } from './appsTreeProvider';
import { runCommand } from './commandRunner';
import type { EngineStatus } from './engineStatus';
import type { PortAllocationsDocument } from './portAllocationsDocument';
import type { PreviewPanels } from './previewPanel';

export interface AppOperationsDeps {
  readonly catalog: AppCatalog;
  readonly controller: AppController;
  readonly previews: PreviewPanels;
  readonly logs: AppLogs;
  readonly engineStatus: EngineStatus;
  /** Explicit use of an app (run, open preview): resets its idle clock. */
  readonly onActivity: (def: AppDefinition) => void;
}

/** What `runApp` resolves to (a public contract: other extensions use it). */
export interface RunAppResult {
  readonly appId: string;
  readonly port: number;
  readonly url: string;
}

export interface OpenPreviewResult extends RunAppResult {
  /** The URL the preview frame loads (`asExternalUri`, or the direct one when that is needed). */
  readonly previewUrl: string;
}

/** The argument forms commands accept: nothing (pick), a folder Uri, an appId/key/name, a tree item. */
export type AppArgument = undefined | string | vscode.Uri | AppDefinition;

/**
 * What the commands, the public API and the language-model tool do, once the app is known. These
 * throw typed errors; every start goes through the one controller.
 */
export class AppOperations {
  constructor(private readonly deps: AppOperationsDeps) {}

  async run(def: AppDefinition): Promise<RunAppResult> {
    const result = await this.start(def);
    return { appId: result.appId, port: result.port, url: result.url };
  }

  async openPreview(def: AppDefinition): Promise<OpenPreviewResult> {
    const result = await this.start(def);
    const panel = await this.deps.previews.open(def);
    const fallback = new Promise<string>((resolve) => setTimeout(() => resolve(panel.previewUrls?.external ?? result.url), 5000));
    const previewUrl = await Promise.race([panel.frameUrl(), fallback]);
    return { appId: result.appId, port: result.port, url: result.url, previewUrl };
  }

  stop(def: AppDefinition): Promise<void> {
    return this.deps.controller.stop(def.ref);
  }

  async restart(def: AppDefinition): Promise<RunAppResult> {
    this.assertTrusted();
    await this.deps.controller.stop(def.ref);
    return this.run(def);
  }

  showLogs(def: AppDefinition): Promise<void> {
    return this.deps.logs.show(def.ref);
  }

  release(def: AppDefinition): Promise<number | undefined> {
    return this.deps.controller.release(def.ref);
  }

  async stopAll(): Promise<number> {
    const running = this.deps.controller.allStates().filter((s) => s.status === 'running' || s.status === 'starting');
    const results = await Promise.allSettled(running.map((s) => this.deps.controller.stop(s.app)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return running.length;
  }

  /** An app from an appId/key/name or a folder Uri; throws a clear error when there is none. */
  async find(target: string | vscode.Uri | AppDefinition): Promise<AppDefinition> {
    if (typeof target === 'object' && 'ref' in target) {
      return target;
    }
    const found = await this.deps.catalog.find(target);
    if (!found) {
      const what = typeof target === 'string' ? `"${target}"` : target.fsPath;
      throw new Error(`No app ${what} in this workspace: an app is a folder with a package.json (or an entry in previewContainers.apps).`);
    }
    return found;
  }

  /** Starts through the one controller, with a cancellable progress notification. */
  private start(def: AppDefinition): Promise<RunResult> {
    this.assertTrusted();
    this.deps.onActivity(def);
    if (this.deps.controller.stateOf(def.ref).status === 'running') {
      // Already up: the controller only confirms it; no progress notification to flash.
      return this.deps.controller.run(def);
    }
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Starting ${def.ref.name}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          try {
            return await this.deps.controller.run(def, { signal: abort.signal, onProgress: (message) => progress.report({ message }) });
          } catch (error) {
            this.deps.engineStatus.record(error);
            throw error;
          } finally {
            sub.dispose();
          }
        },
      ),
    );
  }

  private assertTrusted(): void {
    // The manifest already keeps us out of untrusted workspaces; this guards every entry point anyway.
    if (!vscode.workspace.isTrusted) {
      throw new UntrustedWorkspaceError();
    }
  }
}

export interface CommandDeps {
  readonly operations: AppOperations;
  readonly catalog: AppCatalog;
  readonly controller: AppController;
  readonly allocations: PortAllocationsDocument;
  readonly logger: Logger;
  /** Re-reads apps, the engine and leases (the Refresh command). */
  readonly refresh: () => Promise<void>;
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
      reg('previewContainers.runApp', forApp('Run App Container', (d) => ops.run(d), (s) => s !== 'running')),
      reg('previewContainers.openPreview', forApp('Open App Preview', (d) => ops.openPreview(d))),
      reg('previewContainers.stopApp', forApp('Stop App Container', (d) => ops.stop(d), (s) => s === 'running' || s === 'starting')),
      reg('previewContainers.restartApp', forApp('Restart App Container', (d) => ops.restart(d), (s) => s === 'running')),
      reg('previewContainers.showLogs', forApp('Show App Container Logs', (d) => ops.showLogs(d))),
      reg('previewContainers.releasePort', forApp('Release App Port', (d) => ops.release(d))),
      reg('previewContainers.stopAll', () => runCommand(this.deps.logger, () => ops.stopAll())),
      reg('previewContainers.showPortAllocations', () => runCommand(this.deps.logger, () => this.deps.allocations.show())),
      reg('previewContainers.refresh', () => runCommand(this.deps.logger, () => this.deps.refresh())),
    ];
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
    });
  }

  /** No argument: the only app, or a quick pick with the apps the command makes sense for first. */
  private async pick(title: string, suggest?: (status: Status) => boolean): Promise<AppDefinition | undefined> {
    await this.deps.catalog.ready();
    const apps = this.deps.catalog.all();
    if (apps.length === 0) {
      throw new Error('No apps found in this workspace: add a folder with a package.json, or list one in previewContainers.apps.');
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
    const choice = await vscode.window.showQuickPick(items, { title, placeHolder: 'Choose an app', matchOnDescription: true });
    return choice?.def;
  }
}
