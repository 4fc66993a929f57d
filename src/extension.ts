import * as vscode from 'vscode';
import type { PreviewContainersApi } from './api';
import { AppController } from './core/appController';
import { ContainerExits } from './core/containerExits';
import { detectEngine } from './core/engine/detectEngine';
import { CachedPortUsage, EngineProvider } from './core/engine/engineProvider';
import { execaExec, execaStream } from './core/engine/exec';
import { EventFollower } from './core/eventFollower';
import { FileLeaseJournal } from './core/fileLeaseJournal';
import { IdleReaper } from './core/idleReaper';
import { FileLock } from './core/interProcessLock';
import { LeaseStore } from './core/leaseStore';
import { systemClock } from './core/logger';
import { PortAllocator } from './core/portAllocator';
import { probeFor } from './core/portProbe';
import { Reconciler } from './core/reconciler';
import { AppCatalog } from './ui/appCatalog';
import { AppLogs } from './ui/appLogs';
import { AppsTreeProvider } from './ui/appsTreeProvider';
import { AppOperations, Commands } from './ui/commands';
import { currentSettings, IgnoredSettingsNotice } from './ui/configuration';
import { showError } from './ui/commandRunner';
import { UntrustedWorkspaceError } from './core/errors';
import { EngineStatus } from './ui/engineStatus';
import { describeDuration } from './ui/format';
import { registerLanguageModelTools } from './ui/languageModelTools';
import { pickEngineConnection } from './ui/engineConnectionPicker';
import { Lifecycle } from './ui/lifecycle';
import { createOutputLogger } from './ui/outputLogger';
import { PortAllocationsDocument } from './ui/portAllocationsDocument';
import { PreviewPanels } from './ui/previewPanel';
import { isolatedHost } from './ui/previewUrls';
import { createPublicApi } from './ui/publicApi';
import { AppsStatusBar } from './ui/statusBar';

/** Composition root: build the parts, wire them, register them. No logic of its own. */
export function activate(context: vscode.ExtensionContext): PreviewContainersApi {
  const { channel, logger } = createOutputLogger();
  const ignoredSettings = new IgnoredSettingsNotice(logger);
  const storageDir = context.globalStorageUri.fsPath;

  const engines = new EngineProvider(
    () => {
      const settings = currentSettings();
      return detectEngine({ choice: settings.engine, enginePath: settings.enginePath, connection: settings.engineConnection, exec: execaExec, stream: execaStream, logger });
    },
    // Forced on in an untrusted workspace (extensions.supportUntrustedWorkspaces): no engine call at all.
    () => vscode.workspace.isTrusted,
  );
  const portUsage = new CachedPortUsage(engines, systemClock);
  const allocator = new PortAllocator({
    store: new LeaseStore(context.globalState, logger, new FileLeaseJournal(storageDir, systemClock, logger)),
    lock: new FileLock(storageDir, logger),
    // Built per probe so a changed bind address or engine connection applies at once. A remote
    // engine's host cannot be bound from here, so its ports are probed by connecting to them.
    probe: { isFree: (port) => probeFor(engines.current?.host, currentSettings().bindAddress).isFree(port) },
    range: () => currentSettings().portRange,
    engine: portUsage,
    clock: systemClock,
    logger,
  });
  // Exit notices come from the event stream (wired below) once it is connected.
  const exits = new ContainerExits(() => follower.connected, systemClock);
  const controller = new AppController({
    allocator,
    engine: () => engines.get(),
    settings: currentSettings,
    logger,
    clock: systemClock,
    onPortConflict: () => portUsage.invalidate(),
    exits,
  });
  const catalog = new AppCatalog(logger, (problem) => void showError(logger, problem));
  const engineStatus = new EngineStatus(engines);
  const logs = new AppLogs(() => engines.get(), controller);
  const previews = new PreviewPanels(context.extensionUri, controller, catalog, {
    start: (def) => vscode.commands.executeCommand('previewContainers.openPreview', def),
    showLogs: (def) => logs.show(def.ref),
  });
  const apps = () => catalog.all().map((def) => def.ref);
  const reconciler = new Reconciler({ controller, allocator, engine: () => engines.get(), apps, logger, clock: systemClock });
  const reaper = new IdleReaper({
    controller,
    allocator,
    engine: () => engines.get(),
    apps,
    visibleAppKeys: () => previews.visibleAppKeys(),
    settings: currentSettings,
    clock: systemClock,
    logger,
    warn: async (app, stopsInMs) =>
      (await vscode.window.showWarningMessage(`${app.name} has been idle and will be stopped in ${describeDuration(stopsInMs)}.`, 'Keep running')) === 'Keep running',
  });
  const follower = new EventFollower({
    engine: () => engines.get(),
    onEvents: (events) => void (reconciler.concerns(events) && lifecycle.observeNow()),
    onEachEvent: (event) => exits.onEvent(event),
    onReconnect: () => void lifecycle.reconcileNow(),
    onStreamError: (error) => engineStatus.record(error),
    logger,
  });
  const lifecycle = new Lifecycle({
    reconciler,
    follower,
    reaper,
    engineStatus,
    reconcileIntervalMs: () => currentSettings().reconcileIntervalSeconds * 1000,
    logger,
    afterIdleCheck: () => refreshCountdowns().then(() => tree.refresh()),
  });

  const tree = new AppsTreeProvider(catalog, controller, engineStatus);
  const idleCountdown = new Map<string, number>();
  tree.addTooltipExtra((state) => {
    const left = idleCountdown.get(state.app.key);
    return state.status === 'running' && left !== undefined ? `Idle: stops in ${describeDuration(left)} unless used` : undefined;
  });
  tree.addTooltipExtra((state) =>
    state.port === undefined
      ? undefined
      : `Preview origin: ${previews.originFor(state.app.key) ?? `http://${isolatedHost(state.app.appId)}:${state.port}`} (cookies and storage of its own)`,
  );
  const refreshCountdowns = async (): Promise<void> => {
    for (const state of controller.allStates().filter((s) => s.status === 'running')) {
      const left = await reaper.stopsIn(state.app, state.startedAt).catch(() => undefined);
      if (left === undefined) {
        idleCountdown.delete(state.app.key);
      } else {
        idleCountdown.set(state.app.key, left);
      }
    }
  };
  const view = vscode.window.createTreeView('previewContainers.apps', { treeDataProvider: tree, showCollapseAll: false });
  const allocationsDocument = new PortAllocationsDocument(allocator);
  const operations = new AppOperations({
    catalog,
    controller,
    previews,
    logs,
    engineStatus,
    onActivity: (def) => void reaper.markActive(def.ref).catch(() => undefined),
  });
  const commands = new Commands({
    operations,
    catalog,
    controller,
    allocations: allocationsDocument,
    logger,
    refresh: async () => {
      engines.invalidate();
      await catalog.refresh();
      await lifecycle.reconcileNow();
      await refreshCountdowns();
      tree.refresh();
    },
  });

  context.subscriptions.push(
    channel,
    catalog,
    engineStatus,
    logs,
    previews,
    tree,
    view,
    new AppsStatusBar(controller),
    allocationsDocument,
    ...commands.register(),
    vscode.commands.registerCommand('previewContainers.selectEngineConnection', () =>
      vscode.workspace.isTrusted ? pickEngineConnection(execaExec) : showError(logger, new UntrustedWorkspaceError()),
    ),
    lifecycle,
    catalog.onDidChange(() => void lifecycle.observeNow()),
    view.onDidChangeVisibility((e) => e.visible && void refreshCountdowns().then(() => tree.refresh())),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('previewContainers')) {
        void ignoredSettings.check();
      }
      if (['engine', 'enginePath', 'engineConnection'].some((key) => e.affectsConfiguration(`previewContainers.${key}`))) {
        engines.invalidate();
      }
      // Any of our settings may have been the invalid one a pass stopped at.
      if (e.affectsConfiguration('previewContainers')) {
        void lifecycle.reconcileNow();
      }
    }),
    { dispose: () => controller.dispose() },
  );
  const api = createPublicApi(operations, catalog, controller, allocator, context.subscriptions);
  context.subscriptions.push(...registerLanguageModelTools(operations, catalog, () => api.getApps()));
  // The first engine contact (detection spawns the engine CLI) happens after activate() returns,
  // so it never holds up the extension host — and in an untrusted workspace only once trust is granted.
  const startLater = setImmediate(() => {
    void ignoredSettings.check();
    if (vscode.workspace.isTrusted) {
      lifecycle.start();
    }
  });
  context.subscriptions.push(
    { dispose: () => clearImmediate(startLater) },
    vscode.workspace.onDidGrantWorkspaceTrust(() => lifecycle.start()),
  );
  // Until now the explorer offered "Run App Container" on every folder; from now on on apps only.
  void vscode.commands.executeCommand('setContext', 'previewContainers.activated', true);
  return api;
}

export function deactivate(): void {
  // Everything is in context.subscriptions. Containers keep running: other windows and the next
  // session adopt them, and the idle reaper stops them when nobody uses them.
}
