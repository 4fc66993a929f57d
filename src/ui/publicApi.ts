import * as vscode from 'vscode';
import type { AppInfo, AppSelector, PreviewContainersApi } from '../api';
import type { AppController } from '../core/appController';
import type { PortAllocator } from '../core/portAllocator';
import { Debouncer } from '../core/timing';
import type { AppCatalog } from './appCatalog';
import type { AppOperations } from './appOperations';
import { Disposable } from './dispose';
import type { PreviewPanels } from './previewPanel';

export interface PublicApiDeps {
  readonly operations: AppOperations;
  readonly previews: PreviewPanels;
  readonly catalog: AppCatalog;
  readonly controller: AppController;
  readonly allocator: PortAllocator;
}

/** The object `activate()` returns: the same operations as the commands, typed, rejecting on failure. */
export class PublicApi extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<readonly AppInfo[]>());
  // One event per burst (twenty apps starting is one notification, not a hundred).
  private readonly fire = this._register(new Debouncer(50, () => this.changed.fire(this.snapshot())));
  readonly api: PreviewContainersApi;

  constructor(private readonly deps: PublicApiDeps) {
    super();
    this._register(deps.controller.onDidChangeState(() => this.fire.reschedule()));
    this._register(deps.catalog.onDidChange(() => this.fire.reschedule()));
    const { operations, previews, catalog, allocator } = deps;
    const find = (app: AppSelector) => operations.find(app);
    this.api = {
      version: 1,
      runApp: async (app) => operations.run(await find(app)),
      stopApp: async (app) => operations.stop(await find(app)),
      openPreview: async (app) => previews.openPreview(await find(app)),
      getApps: async () => {
        await catalog.ready();
        return this.snapshot();
      },
      onDidChangeApps: this.changed.event,
      allocations: async () => {
        const { allocated, allocatedCount, availableCount, range } = await allocator.listAllocations();
        return { allocated, allocatedCount, availableCount, range };
      },
    };
  }

  snapshot(): AppInfo[] {
    return this.deps.catalog.all().map((def) => {
      const state = this.deps.controller.stateOf(def.ref);
      return {
        appId: def.ref.appId,
        name: def.ref.name,
        folder: def.ref.folder,
        status: state.status,
        port: state.port,
        url: state.status === 'running' ? state.url : undefined,
        error: state.status === 'failed' ? state.error : undefined,
      };
    });
  }
}
