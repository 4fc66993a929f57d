import * as vscode from 'vscode';
import type { AppInfo, AppSelector, PreviewContainersApi } from '../api';
import type { AppController } from '../core/appController';
import type { PortAllocator } from '../core/portAllocator';
import type { AppCatalog } from './appCatalog';
import type { AppOperations } from './commands';

/** The object `activate()` returns: the commands' operations, typed, rejecting on failure. */
export function createPublicApi(
  operations: AppOperations,
  catalog: AppCatalog,
  controller: AppController,
  allocator: PortAllocator,
  subscriptions: vscode.Disposable[],
): PreviewContainersApi {
  const changed = new vscode.EventEmitter<readonly AppInfo[]>();
  const snapshot = (): AppInfo[] =>
    catalog.all().map((def) => {
      const state = controller.stateOf(def.ref);
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
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    // One event per burst (twenty apps starting is one notification, not a hundred).
    clearTimeout(timer);
    timer = setTimeout(() => changed.fire(snapshot()), 50);
  };
  const stateSub = controller.onDidChangeState(fire);
  subscriptions.push(changed, catalog.onDidChange(fire), { dispose: () => stateSub.dispose() }, { dispose: () => clearTimeout(timer) });
  const find = (app: AppSelector) => operations.find(app);
  return {
    version: 1,
    runApp: async (app) => operations.run(await find(app)),
    stopApp: async (app) => operations.stop(await find(app)),
    openPreview: async (app) => operations.openPreview(await find(app)),
    getApps: async () => {
      await catalog.ready();
      return snapshot();
    },
    onDidChangeApps: changed.event,
    allocations: async () => {
      const { allocated, allocatedCount, availableCount, range } = await allocator.listAllocations();
      return { allocated, allocatedCount, availableCount, range };
    },
  };
}
