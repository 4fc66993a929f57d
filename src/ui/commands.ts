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

export interface CommandDeps {
  readonly catalog: AppCatalog;
  readonly controller: AppController;
  readonly previews: PreviewPanels;
  readonly logs: AppLogs;
  readonly allocations: PortAllocationsDocument;
  readonly engineStatus: EngineStatus;
  readonly logger: Logger;
  /** Explicit use of an app (run, open preview): resets its idle clock. */
  readonly onActivity: (def: AppDefinition) => void;
  /** Re-reads apps, the engine and leases (the Refresh command). */
  readonly refresh: () => Promise<void>;
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

/** The argument forms commands accept: nothing (pick), a folder Uri, an appId/key, a tree item. */
type AppArgument = undefined | string | vscode.Uri | AppDefinition;

export class Commands {
  constructor(private readonly deps: CommandDeps) {}

  register(): vscode.Disposable[] {
    const reg = (id: string, handler: (arg?: AppArgument) => Promise<unknown>): vscode.Disposable =>
      vscode.commands.registerCommand(id, (arg?: AppArgument) => handler(arg));
    return [
      reg('previewContainers.runApp', (arg) => this.runApp(arg)),
      reg('previewContainers.openPreview', (arg) => this.openPreview(arg)),
      reg('previewContainers.stopApp', (arg) => this.stopApp(arg)),
      reg('previewContainers.restartApp', (arg) => this.restartApp(arg)),
      reg('previewContainers.showLogs', (arg) => this.showLogs(arg)),
      reg('previewContainers.releasePort', (arg) => this.releasePort(arg)),
      reg('previewContainers.stopAll', () => this.stopAll()),
      reg('previewContainers.showPortAllocations', () => runCommand(this.deps.logger, () => this.deps.allocations.show())),
      reg('previewContainers.refresh', () => runCommand(this.deps.logger, () => this.deps.refresh())),
    ];
  }

  runApp(arg?: AppArgument): Promise<RunAppResult | undefined> {
    return this.withApp(arg, 'Run App Container', async (def) => {
      const result = await this.start(def);
      return { appId: result.appId, port: result.port, url: result.url };
    }, (state) => state !== 'running');
  }

  openPreview(arg?: AppArgument): Promise<OpenPreviewResult | undefined> {
    return this.withApp(arg, 'Open App Preview', async (def) => {
      const result = await this.start(def);
      const panel = await this.deps.previews.open(def);
      const previewUrl = await Promise.race([panel.frameUrl(), new Promise<string>((resolve) => setTimeout(() => resolve(panel.previewUrls?.external ?? result.url), 5000))]);
      return { appId: result.appId, port: result.port, url: result.url, previewUrl };
    });
  }

  stopApp(arg?: AppArgument): Promise<void> {
    return this.withApp(arg, 'Stop App Container', (def) => this.deps.controller.stop(def.ref), (state) => state === 'running' || state === 'starting');
  }

  restartApp(arg?: AppArgument): Promise<RunAppResult | undefined> {
    return this.withApp(arg, 'Restart App Container', async (def) => {
      this.assertTrusted();
      await this.deps.controller.stop(def.ref);
      const result = await this.start(def);
      return { appId: result.appId, port: result.port, url: result.url };
    }, (state) => state === 'running');
  }

  showLogs(arg?: AppArgument): Promise<void> {
    return this.withApp(arg, 'Show App Container Logs', (def) => this.deps.logs.show(def.ref));
  }

  releasePort(arg?: AppArgument): Promise<number | undefined> {
    return this.withApp(arg, 'Release App Port', (def) => this.deps.controller.release(def.ref), (_state, def) => this.deps.controller.stateOf(def.ref).port !== undefined);
  }

  stopAll(): Promise<number> {
    return runCommand(this.deps.logger, async () => {
      const running = this.deps.controller.allStates().filter((s) => s.status === 'running' || s.status === 'starting');
      const results = await Promise.allSettled(running.map((s) => this.deps.controller.stop(s.app)));
      const failed = results.filter((r) => r.status === 'rejected');
      if (failed.length > 0) {
        throw (failed[0]).reason;
      }
      return running.length;
    });
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

  private async withApp<T>(
    arg: AppArgument,
    title: string,
    body: (def: AppDefinition) => Promise<T>,
    suggest?: (status: string, def: AppDefinition) => boolean,
  ): Promise<T | undefined> {
    let def: AppDefinition | undefined;
    try {
      def = await this.resolve(arg, title, suggest);
    } catch (error) {
      return runCommand(this.deps.logger, () => Promise.reject(error instanceof Error ? error : new Error(String(error))));
    }
    if (!def) {
      return undefined;
    }
    const app = def;
    return runCommand(this.deps.logger, () => body(app), {
      showLogs: () => this.deps.logs.show(app.ref),
      retry: () => this.withApp(app, title, body),
    });
  }

  private async resolve(arg: AppArgument, title: string, suggest?: (status: string, def: AppDefinition) => boolean): Promise<AppDefinition | undefined> {
    if (arg !== undefined && typeof arg === 'object' && 'ref' in arg) {
      return arg;
    }
    if (arg !== undefined) {
      const found = await this.deps.catalog.find(arg);
      if (!found) {
        const what = typeof arg === 'string' ? `"${arg}"` : arg.fsPath;
        throw new Error(`No app ${what} in this workspace: an app is a folder with a package.json (or an entry in previewContainers.apps).`);
      }
      return found;
    }
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
        picked: false,
        suggested: suggest?.(state.status, def) ?? true,
      };
    });
    // Apps the command makes sense for come first (e.g. stopped ones for "Run").
    items.sort((a, b) => Number(b.suggested) - Number(a.suggested));
    const choice = await vscode.window.showQuickPick(items, { title, placeHolder: 'Choose an app', matchOnDescription: true });
    return choice?.def;
  }
}
