import * as vscode from 'vscode';
import type { RunAppResult } from '../api';
import type { AppDefinition } from '../core/appFolder';
import type { AppController, RunOptions, RunResult } from '../core/appController';
import { UntrustedWorkspaceError } from '../core/errors';
import type { AppCatalog } from './appCatalog';
import { rememberContainerPort } from './configuration';
import type { AppLogs } from './appLogs';
import type { EngineStatus } from './engineStatus';

export interface AppOperationsDeps {
  readonly catalog: AppCatalog;
  readonly controller: AppController;
  readonly logs: AppLogs;
  readonly engineStatus: EngineStatus;
  /** Explicit use of an app (run, open preview): resets its idle clock. */
  readonly onActivity: (def: AppDefinition) => void;
  /** An operation started from a notification's button failed. */
  readonly reportError: (error: unknown) => void;
}

/** The argument forms commands accept: nothing (pick), a folder Uri, an appId/key/name, a tree item. */
export type AppArgument = undefined | string | vscode.Uri | AppDefinition;

/**
 * The one service layer: the commands, the public API, the language-model tools and the preview
 * tabs all do what they do through here (and so through the one controller and allocator). These
 * throw typed errors; the callers decide how to show them.
 */
export class AppOperations {
  constructor(private readonly deps: AppOperationsDeps) {}

  async run(def: AppDefinition): Promise<RunAppResult> {
    const result = await this.start(def, (options) => this.deps.controller.run(def, options));
    return { appId: result.appId, port: result.port, url: result.url };
  }

  stop(def: AppDefinition): Promise<void> {
    return this.deps.controller.stop(def.ref);
  }

  async restart(def: AppDefinition): Promise<RunAppResult> {
    const result = await this.start(def, (options) => this.deps.controller.restart(def, options), true);
    return { appId: result.appId, port: result.port, url: result.url };
  }

  /** Rebuild App Container: the image built again without the layer cache, run on the same port. */
  async rebuild(def: AppDefinition): Promise<RunAppResult> {
    const result = await this.start(def, (options) => this.deps.controller.rebuild(def, options), true, 'rebuild');
    return { appId: result.appId, port: result.port, url: result.url };
  }

  showLogs(def: AppDefinition): Promise<void> {
    return this.deps.logs.show(def.ref);
  }

  /**
   * The app listens on another port than the published one: remember that port for it
   * (`previewContainers.apps[].containerPort`, in the workspace settings — visible and editable,
   * and kept when the lease is released) and start it again on the same host port.
   */
  async useListenedPort(def: AppDefinition, port: number): Promise<RunAppResult> {
    // Stop interrupts a start still waiting; the lease (the host port) stays.
    await this.deps.controller.stop(def.ref);
    await rememberContainerPort(def.ref.folder, port);
    await this.deps.catalog.refresh();
    const updated = (await this.deps.catalog.find(def.ref.key)) ?? def;
    return this.run(updated);
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
      throw new Error(vscode.l10n.t('No app {0} in this workspace: an app is a folder with a package.json or a Dockerfile (or an entry in previewContainers.apps).', what));
    }
    return found;
  }

  /** Starts through the one controller, with a cancellable progress notification. */
  /** Said within seconds of the app binding the wrong address, while its start still waits. */
  private tellDiagnosis(def: AppDefinition, message: string, port: number | undefined): void {
    const use = port === undefined ? undefined : vscode.l10n.t('Use Port {0}', port);
    const showLogs = vscode.l10n.t('Show Logs');
    void vscode.window.showWarningMessage(message, ...(use ? [use] : []), showLogs).then(async (choice) => {
      try {
        if (choice === use && port !== undefined) {
          await this.useListenedPort(def, port);
        } else if (choice === showLogs) {
          await this.showLogs(def);
        }
      } catch (error) {
        this.deps.reportError(error);
      }
    });
  }

  private start(def: AppDefinition, begin: (options: RunOptions) => Promise<RunResult>, always = false, verb: 'start' | 'rebuild' = 'start'): Promise<RunResult> {
    // The manifest already keeps us out of untrusted workspaces; this guards every entry point anyway.
    if (!vscode.workspace.isTrusted) {
      throw new UntrustedWorkspaceError();
    }
    this.deps.onActivity(def);
    if (!always && this.deps.controller.stateOf(def.ref).status === 'running') {
      // Already up: the controller only confirms it; no progress notification to flash.
      return begin({});
    }
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: verb === 'rebuild' ? vscode.l10n.t('Rebuilding {0}', def.ref.name) : vscode.l10n.t('Starting {0}', def.ref.name), cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          return await begin({ signal: abort.signal, onProgress: (message) => progress.report({ message }), onDiagnosis: (message, port) => this.tellDiagnosis(def, message, port) });
        } catch (error) {
          this.deps.engineStatus.record(error);
          throw error;
        } finally {
          sub.dispose();
        }
      }),
    );
  }
}
