import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppController, AppState } from '../core/appController';
import { launchOf } from '../core/appLaunch';
import type { AppCatalog } from './appCatalog';
import type { BuildFreshness } from './buildFreshness';
import { contextKeys } from './contextKeys';
import type { EngineStatus } from './engineStatus';
import { describeDuration } from './format';
import { codeBlock, codeSpan, escapeMarkdown } from './markdown';
import { Disposable } from './dispose';
import { isolatedHost } from './previewAddress';
import { Debouncer } from '../core/timing';
import type { PortAllocator } from '../core/portAllocator';
import { allocationItem, otherAllocations, otherAllocationsItem, type AllocationNode, type OtherAllocationsNode } from './otherAllocations';

/** An app of this window, the "Other allocations" section, or one lease in it. */
export type AppsTreeNode = AppDefinition | OtherAllocationsNode | AllocationNode;

/** What the tooltips tell besides the app's own state. */
export interface TooltipSources {
  /** ms until the idle stop of each running app (the reaper's countdowns). */
  countdowns(states: readonly AppState[]): Promise<ReadonlyMap<string, number>>;
  /** The origin an open preview tab loads the app from. */
  previewOrigin(appKey: string): string | undefined;
  /** Which engine runs the apps (podman or docker, its binary, its connection's host). */
  engine(): string | undefined;
  /** Fires after each idle check: the countdowns moved. */
  readonly onDidCheckIdle: vscode.Event<void>;
}

export const APPS_VIEW_ID = 'previewContainers.apps';

/**
 * The "Apps" view: one item per app, its port and state in the description, everything else in
 * the tooltip. `contextValue` = `app:<status>[:dockerfile][:leased]` so menus can match state
 * (and Rebuild, Dockerfile apps only) with regexes.
 */
export class AppsTreeProvider extends Disposable implements vscode.TreeDataProvider<AppsTreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<AppsTreeNode | AppsTreeNode[] | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  /** Apps whose item changed since the last repaint; `undefined` = repaint everything. */
  private pending: Set<string> | undefined = new Set();
  private readonly repaint = this._register(new Debouncer(50, () => this.flush()));
  private countdowns: ReadonlyMap<string, number> = new Map();
  readonly view: vscode.TreeView<AppsTreeNode>;

  constructor(
    private readonly catalog: AppCatalog,
    private readonly controller: AppController,
    private readonly engineStatus: EngineStatus,
    private readonly tooltips: TooltipSources,
    /** Lists the leases of other workspaces and deleted folders (the "Other allocations" section). */
    private readonly allocator: PortAllocator,
    private readonly freshness: BuildFreshness,
  ) {
    super();
    this._register(freshness.onDidChange(() => this.scheduleRefresh()));
    this._register(controller.onDidChangeState((state) => this.scheduleRefresh(state.app.key)));
    this._register(catalog.onDidChange(() => this.scheduleRefresh()));
    this._register(engineStatus.onDidChange(() => this.scheduleRefresh()));
    this._register(tooltips.onDidCheckIdle(() => void this.refreshCountdowns()));
    this.view = this._register(vscode.window.createTreeView(APPS_VIEW_ID, { treeDataProvider: this, showCollapseAll: false }));
    this._register(this.view.onDidChangeVisibility((e) => e.visible && void this.refreshCountdowns()));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Re-reads the idle countdowns of the running apps, then repaints. */
  async refreshCountdowns(): Promise<void> {
    this.countdowns = await this.tooltips.countdowns(this.controller.allStates().filter((s) => s.status === 'running'));
    this.refresh();
  }

  async getChildren(element?: AppsTreeNode): Promise<AppsTreeNode[]> {
    if (element) {
      return 'kind' in element && element.kind === 'otherAllocations' ? element.entries.map((entry) => ({ kind: 'allocation', entry })) : [];
    }
    await this.catalog.ready();
    const apps = [...this.catalog.all()];
    contextKeys.noApps(apps.length === 0);
    // With no engine there is nothing to do with the apps: the welcome view says what to install.
    if (this.engineStatus.state === 'missing' || this.engineStatus.state === 'notResponding') {
      return [];
    }
    const others = await otherAllocations(this.allocator, this.catalog.keys()).catch(() => []);
    return others.length > 0 ? [...apps, { kind: 'otherAllocations', entries: others }] : apps;
  }

  getTreeItem(node: AppsTreeNode): vscode.TreeItem {
    if (!('kind' in node)) {
      return this.appItem(node);
    }
    return node.kind === 'otherAllocations' ? otherAllocationsItem(node) : allocationItem(node.entry, Date.now());
  }

  private appItem(def: AppDefinition): vscode.TreeItem {
    const state = this.controller.stateOf(def.ref);
    const item = new vscode.TreeItem(def.ref.name, vscode.TreeItemCollapsibleState.None);
    item.id = def.ref.key;
    const outdated = this.freshness.isOutdated(def);
    item.description = `${describeState(state)}${outdated ? ` · ${vscode.l10n.t('Dockerfile changed — Rebuild')}` : ''}`;
    item.contextValue = `app:${state.status}${launchOf(def).kind === 'dockerfile' ? ':dockerfile' : ''}${state.port !== undefined ? ':leased' : ''}`;
    item.iconPath = iconFor(state);
    item.tooltip = this.tooltipFor(def, state, outdated);
    item.resourceUri = vscode.Uri.file(def.ref.folder);
    item.accessibilityInformation = { label: `${def.ref.name}, ${item.description}` };
    if (state.status === 'running') {
      item.command = { command: 'previewContainers.openPreview', title: vscode.l10n.t('Open App Preview'), arguments: [def] };
    }
    return item;
  }

  /**
   * Coalesces bursts (20 apps starting at once) into one repaint, of the changed items only: a
   * whole-tree refresh would also re-map the items, and a click on an inline action during that
   * moment reaches the command without its item.
   */
  private scheduleRefresh(appKey?: string): void {
    if (appKey === undefined) {
      this.pending = undefined;
    } else {
      this.pending?.add(appKey);
    }
    this.repaint.schedule();
  }

  private flush(): void {
    const keys = this.pending;
    this.pending = new Set();
    if (keys === undefined) {
      this.refresh();
      return;
    }
    const changed = this.catalog.all().filter((def) => keys.has(def.ref.key));
    if (changed.length > 0) {
      this.changed.fire([...changed]);
    }
  }

  private tooltipFor(def: AppDefinition, state: AppState, outdated: boolean): vscode.MarkdownString {
    const lines = [
      `**${escapeMarkdown(def.ref.name)}** — ${state.status}${state.stage ? ` (${escapeMarkdown(state.stage)})` : ''}`,
      '',
      vscode.l10n.t('- Folder: {0}', codeSpan(def.ref.folder)),
      vscode.l10n.t('- App id: {0}', codeSpan(def.ref.appId)),
      state.port === undefined ? vscode.l10n.t('- Port: none yet') : state.status === 'running' ? vscode.l10n.t('- Port: {0}', state.port) : vscode.l10n.t('- Port: {0} (reserved)', state.port),
      vscode.l10n.t('- Container: {0}', codeSpan(state.containerName)) + (this.tooltips.engine() ? ` (${escapeMarkdown(this.tooltips.engine() ?? '')})` : ''),
    ];
    if (state.image) {
      lines.push(vscode.l10n.t('- Image: {0}', codeSpan(state.image)));
    }
    const launch = launchOf(def);
    if (launch.kind === 'dockerfile') {
      lines.push(launch.target ? vscode.l10n.t('- Built from: {0} (target {1})', codeSpan(launch.dockerfile), codeSpan(launch.target)) : vscode.l10n.t('- Built from: {0}', codeSpan(launch.dockerfile)));
      if (outdated) {
        lines.push(vscode.l10n.t('- The Dockerfile or its build context changed since the running image was built: Rebuild App Container applies it.'));
      }
    }
    if (state.status === 'running' && state.startedAt !== undefined) {
      lines.push(vscode.l10n.t('- Up for {0}', describeDuration(Date.now() - state.startedAt)));
    }
    if (state.url) {
      lines.push(`- URL: ${escapeMarkdown(state.url)}`);
    }
    const left = this.countdowns.get(state.app.key);
    if (state.status === 'running' && left !== undefined) {
      lines.push(vscode.l10n.t('- Idle: stops in {0} unless used', describeDuration(left)));
    }
    if (state.port !== undefined) {
      const origin = this.tooltips.previewOrigin(state.app.key) ?? `http://${isolatedHost(state.app.appId)}:${state.port}`;
      lines.push(vscode.l10n.t('- Preview origin: {0} (cookies and storage of its own)', escapeMarkdown(origin)));
    }
    if (state.status === 'failed' && state.error) {
      lines.push('', codeBlock(state.error.slice(0, 1500)));
    }
    return new vscode.MarkdownString(lines.join('\n'));
  }
}

export function describeState(state: AppState): string {
  const port = state.port !== undefined ? `:${state.port} · ` : '';
  switch (state.status) {
    case 'starting':
      return `${port}starting…`;
    case 'stopping':
      return `${port}stopping…`;
    default:
      return `${port}${state.status}`;
  }
}

function iconFor(state: AppState): vscode.ThemeIcon {
  switch (state.status) {
    case 'running':
      return new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('testing.iconPassed'));
    case 'starting':
    case 'stopping':
      return new vscode.ThemeIcon('loading~spin');
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    default:
      return new vscode.ThemeIcon('circle-outline');
  }
}

