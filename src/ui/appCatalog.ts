import * as path from 'node:path';
import * as vscode from 'vscode';
import { makeAppRef } from '../core/appIdentity';
import type { AppDefinition } from '../core/appFolder';
import { discoverApps } from '../core/appDiscovery';
import { realpathInside } from '../core/containment';
import type { SettingsError } from '../core/errors';
import type { Logger } from '../core/logger';
import { currentSettings } from './configuration';
import { contextKeys } from './contextKeys';
import { Disposable } from './dispose';
import { Debouncer } from '../core/timing';

/**
 * The workspace's apps, discovered from package.json files and `previewContainers.apps`, kept
 * current as folders, package.json files and settings change.
 */
export class AppCatalog extends Disposable {
  private apps: AppDefinition[] = [];
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  // Debounced: a branch switch or `npm init` in many folders is one refresh.
  private readonly scheduled = this._register(new Debouncer(300, () => void this.refresh()));
  private current: Promise<void> = Promise.resolve();
  private loaded = false;

  /** Problems already reported (a settings entry is reported once per window, not at each refresh). */
  private readonly reported = new Set<string>();

  constructor(
    private readonly logger: Logger,
    /** An unusable settings entry (e.g. an apps[].path outside the workspace). */
    private readonly onProblem: (problem: SettingsError) => void = () => undefined,
  ) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/package.json', false, true, false));
    const schedule = (uri: vscode.Uri): void => {
      if (!uri.fsPath.split(path.sep).includes('node_modules')) {
        this.scheduleRefresh();
      }
    };
    this._register(watcher.onDidCreate(schedule));
    this._register(watcher.onDidDelete(schedule));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRefresh()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('previewContainers.apps') && this.scheduleRefresh()));
  }

  /** Discovery done at least once. */
  async ready(): Promise<void> {
    if (!this.loaded) {
      await this.refresh();
    }
    await this.current;
  }

  all(): readonly AppDefinition[] {
    return this.apps;
  }

  /** The keys of this window's apps: what tells its own allocations from other windows'. */
  keys(): ReadonlySet<string> {
    return new Set(this.apps.map((def) => def.ref.key));
  }

  refresh(): Promise<void> {
    this.current = this.current.then(() => this.discover());
    return this.current;
  }

  /** An app by appId, by key (folder), or by a folder Uri (also one not discovered, if it has a package.json). */
  async find(target: string | vscode.Uri): Promise<AppDefinition | undefined> {
    await this.ready();
    if (typeof target === 'string') {
      return this.apps.find((a) => a.ref.appId === target || a.ref.key === target || a.ref.name === target);
    }
    const folder = path.resolve(target.fsPath);
    const known = this.apps.find((a) => a.ref.key === folder);
    if (known) {
      return known;
    }
    // Only folders inside the workspace (a caller of the API may name any path).
    const root = vscode.workspace.getWorkspaceFolder(target);
    if (!root || root.uri.scheme !== 'file' || !(await realpathInside(folder, [root.uri.fsPath]))) {
      return undefined;
    }
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(path.join(folder, 'package.json')));
    } catch {
      return undefined;
    }
    return { ref: makeAppRef(folder, root.uri.fsPath) };
  }

  private scheduleRefresh(): void {
    this.scheduled.reschedule();
  }

  private async discover(): Promise<void> {
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => ({ name: f.name, path: f.uri.fsPath }));
    let overrides: ReturnType<typeof currentSettings>['apps'] = [];
    try {
      overrides = currentSettings().apps;
    } catch (error) {
      this.logger.warn(`Ignoring previewContainers.apps: ${String(error)}`);
    }
    const apps = await discoverApps(roots, overrides, undefined, (problem) => {
      this.logger.warn(problem.message);
      if (!this.reported.has(problem.message)) {
        this.reported.add(problem.message);
        this.onProblem(problem);
      }
    });
    this.loaded = true;
    const before = this.apps.map((a) => `${a.ref.key}|${a.ref.appId}|${a.ref.name}|${JSON.stringify(a.override ?? null)}`).join('\n');
    this.apps = apps;
    if (before !== apps.map((a) => `${a.ref.key}|${a.ref.appId}|${a.ref.name}|${JSON.stringify(a.override ?? null)}`).join('\n')) {
      this.logger.info(`Found ${apps.length} app(s): ${apps.map((a) => a.ref.appId).join(', ') || 'none'}.`);
      // The explorer shows "Run App Container" on app folders only (`resourcePath in …`).
      contextKeys.appFolders(apps.map((a) => a.ref.folder));
      this.changed.fire();
    }
  }
}
