import * as vscode from 'vscode';
import type { PreviewContainersApi } from './api';
import { createCore } from './core/createCore';
import { execaExec, execaStream } from './core/engine/exec';
import { systemClock } from './core/logger';
import { AppCatalog } from './ui/appCatalog';
import { AppLogs } from './ui/appLogs';
import { AppOpener } from './ui/appOpener';
import { AppOperations } from './ui/appOperations';
import { AppsTreeProvider } from './ui/appsTreeProvider';
import { BuildFreshness } from './ui/buildFreshness';
import { showError } from './ui/commandRunner';
import { Commands } from './ui/commands';
import { currentSettings, IgnoredSettingsNotice, watchConfiguration } from './ui/configuration';
import { contextKeys } from './ui/contextKeys';
import { EngineStatus } from './ui/engineStatus';
import { describeEngine, engineChanged } from './ui/engineSwitch';
import { askKeepRunning } from './ui/idleWarning';
import { IntegratedBrowser } from './ui/integratedBrowser';
import { registerLanguageModelTools } from './ui/languageModelTools';
import { Lifecycle } from './ui/lifecycle';
import { createOutputLogger } from './ui/outputLogger';
import { PortAllocationsDocument } from './ui/portAllocationsDocument';
import { otherAllocations } from './ui/otherAllocations';
import { PoolCommands } from './ui/poolCommands';
import { PreviewPanels } from './ui/previewPanel';
import { PublicApi } from './ui/publicApi';
import { AppsStatusBar } from './ui/statusBar';
import { localizeCore } from './ui/localization';

/** Composition root: build the parts in order, register them. No logic of its own. */
export function activate(context: vscode.ExtensionContext): PreviewContainersApi {
  localizeCore();
  const { channel, logger } = createOutputLogger();
  const own = <T extends vscode.Disposable>(part: T): T => (context.subscriptions.push(part), part);
  own(channel);
  const catalog = own(new AppCatalog(logger, (problem) => void showError(logger, problem)));
  const core = createCore({
    memento: context.globalState,
    storageDir: context.globalStorageUri.fsPath,
    settings: currentSettings,
    clock: systemClock,
    logger,
    exec: execaExec,
    stream: execaStream,
    apps: () => catalog.all().map((def) => def.ref),
    // Forced on in an untrusted workspace (extensions.supportUntrustedWorkspaces): no engine call at all.
    engineAllowed: () => vscode.workspace.isTrusted,
    warnIdle: askKeepRunning,
  });
  own({ dispose: () => void core.dispose() });
  const engineStatus = own(new EngineStatus(core.engines));
  const logs = own(new AppLogs(() => core.engines.get(), core.controller));
  const onActivity = (def: { ref: { key: string } }): void => void core.reaper.markActive(def.ref).catch(() => undefined);
  const reportError = (error: unknown): void => void showError(logger, error);
  const operations = new AppOperations({ catalog, controller: core.controller, logs, engineStatus, onActivity, reportError });
  const integrated = own(new IntegratedBrowser());
  const previews = own(new PreviewPanels({ extensionUri: context.extensionUri, controller: core.controller, catalog, operations, visible: core.visiblePreviews, integrated, reportError }));
  const opener = new AppOpener(previews, integrated, logger);
  const lifecycle = own(new Lifecycle({ core, catalog, engineStatus, reconcileIntervalMs: () => currentSettings().reconcileIntervalSeconds * 1000, logger }));
  const tooltips = {
    countdowns: (states: Parameters<typeof core.reaper.countdowns>[0]) => core.reaper.countdowns(states),
    previewOrigin: (key: string) => previews.originFor(key),
    engine: () => (core.engines.current ? describeEngine(core.engines.current) : undefined),
    onDidCheckIdle: lifecycle.onDidCheckIdle,
  };
  const freshness = own(new BuildFreshness(catalog, core.controller));
  const tree = own(new AppsTreeProvider(catalog, core.controller, engineStatus, tooltips, core.allocator, freshness));
  own(new AppsStatusBar(core.controller));
  const allocations = own(new PortAllocationsDocument(core.allocator, () => catalog.keys()));
  const commands = new Commands({ operations, previews, opener, catalog, controller: core.controller, allocations, logger, refresh: () => lifecycle.refresh(), exec: execaExec });
  context.subscriptions.push(...commands.register());
  const poolCommands = new PoolCommands({
    controller: core.controller,
    logger,
    releaseUnused: () => core.releaseUnused(),
    repaint: () => tree.refresh(),
    otherAllocations: () => otherAllocations(core.allocator, catalog.keys()),
  });
  context.subscriptions.push(...poolCommands.register());
  const ignoredSettings = new IgnoredSettingsNotice(logger);
  own(watchConfiguration({ ignoredSettings, engineChanged: () => void engineChanged(core.engines, () => catalog.all().map((d) => d.ref), logger), reconcile: () => void lifecycle.reconcileNow() }));
  const api = own(new PublicApi({ operations, previews, catalog, controller: core.controller, allocator: core.allocator }));
  context.subscriptions.push(...registerLanguageModelTools(operations, catalog, () => api.api.getApps()));
  // The first engine contact (detection spawns the engine CLI) happens after activate() returns, so
  // it never holds up the extension host — and in an untrusted workspace only once trust is granted.
  const startLater = setImmediate(() => {
    void ignoredSettings.check();
    if (vscode.workspace.isTrusted) {
      lifecycle.start();
    }
  });
  own({ dispose: () => clearImmediate(startLater) });
  own(vscode.workspace.onDidGrantWorkspaceTrust(() => lifecycle.start()));
  // Until now the explorer offered "Run App Container" on every folder; from now on on apps only.
  contextKeys.activated();
  return api.api;
}

export function deactivate(): void {
  // Everything is in context.subscriptions. Containers keep running: other windows and the next
  // session adopt them, and the idle reaper stops them when nobody uses them.
}
