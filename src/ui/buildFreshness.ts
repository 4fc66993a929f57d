import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppController } from '../core/appController';
import { launchOf } from '../core/appLaunch';
import { isInside } from '../core/containment';
import { LABEL_BUILD_HASH } from '../core/engine/labels';
import { currentBuildHash, isOutdated } from '../core/imageBuild';
import { Debouncer } from '../core/timing';
import type { AppCatalog } from './appCatalog';
import { Disposable } from './dispose';

/** Saves come in bursts (Save All): one re-check after them. */
const RECHECK_DELAY_MS = 300;

/**
 * "The Dockerfile changed since the running image was built", for the tree: the build hash the
 * running container carries (its image's label) against the hash the inputs have now (the
 * Dockerfile, the build settings, the context's fingerprint) — computed from the files, never by
 * building. Re-checked when an app's state changes and after files are saved or Dockerfiles change.
 */
export class BuildFreshness extends Disposable {
  private readonly outdated = new Set<string>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly recheck = this._register(new Debouncer(RECHECK_DELAY_MS, () => void this.checkAll()));

  constructor(
    private readonly catalog: AppCatalog,
    private readonly controller: AppController,
  ) {
    super();
    this._register(controller.onDidChangeState((state) => void this.check(this.catalog.all().find((def) => def.ref.key === state.app.key))));
    // Only a save inside the build context of a running Dockerfile app can change its hash: other
    // saves (most of them) cost no walk of any context.
    this._register(vscode.workspace.onDidSaveTextDocument((doc) => this.affectsRunningBuild(doc.uri.fsPath) && this.recheck.schedule()));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/{Dockerfile,Containerfile,*.Dockerfile,.dockerignore}'));
    for (const event of [watcher.onDidChange, watcher.onDidCreate, watcher.onDidDelete]) {
      this._register(event(() => this.recheck.schedule()));
    }
  }

  isOutdated(def: AppDefinition): boolean {
    return this.outdated.has(def.ref.key);
  }

  private affectsRunningBuild(file: string): boolean {
    return this.catalog.all().some((def) => {
      const launch = launchOf(def);
      return launch.kind === 'dockerfile' && this.controller.stateOf(def.ref).status === 'running' && (isInside(file, launch.context) || file === launch.dockerfile);
    });
  }

  private async checkAll(): Promise<void> {
    await Promise.all(this.catalog.all().map((def) => this.check(def)));
  }

  private async check(def: AppDefinition | undefined): Promise<void> {
    if (!def) {
      return;
    }
    const launch = launchOf(def);
    const state = this.controller.stateOf(def.ref);
    let outdated = false;
    if (launch.kind === 'dockerfile' && state.status === 'running' && state.buildHash !== undefined) {
      const hash = await currentBuildHash(def.ref, launch);
      outdated = isOutdated({ [LABEL_BUILD_HASH]: state.buildHash }, hash);
    }
    if (outdated !== this.outdated.has(def.ref.key)) {
      if (outdated) {
        this.outdated.add(def.ref.key);
      } else {
        this.outdated.delete(def.ref.key);
      }
      this.changed.fire();
    }
  }
}
