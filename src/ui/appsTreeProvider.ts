import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppController, AppState } from '../core/appController';
import type { AppCatalog } from './appCatalog';
import type { EngineStatus } from './engineStatus';
import { describeDuration } from './format';
import { codeBlock, codeSpan, escapeMarkdown } from './markdown';

/** Extra lines a later part (the idle reaper) adds to an app's tooltip. */
export type TooltipExtra = (state: AppState) => string | undefined;

/**
 * The "Apps" view: one item per app, its port and state in the description, everything else in
 * the tooltip. `contextValue` = `app:<status>[:leased]` so menus can match state with regexes.
 */
export class AppsTreeProvider implements vscode.TreeDataProvider<AppDefinition>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AppDefinition | AppDefinition[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Apps whose item changed since the last repaint; `undefined` = repaint everything. */
  private pending: Set<string> | undefined = new Set();
  private readonly extras: TooltipExtra[] = [];

  constructor(
    private readonly catalog: AppCatalog,
    private readonly controller: AppController,
    private readonly engineStatus: EngineStatus,
  ) {
    const stateSub = controller.onDidChangeState((state) => this.scheduleRefresh(state.app.key));
    this.disposables.push(
      { dispose: () => stateSub.dispose() },
      catalog.onDidChange(() => this.scheduleRefresh()),
      engineStatus.onDidChange(() => this.scheduleRefresh()),
      this.changed,
    );
  }

  addTooltipExtra(extra: TooltipExtra): void {
    this.extras.push(extra);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(element?: AppDefinition): Promise<AppDefinition[]> {
    if (element) {
      return [];
    }
    await this.catalog.ready();
    const apps = [...this.catalog.all()];
    void vscode.commands.executeCommand('setContext', 'previewContainers.noApps', apps.length === 0);
    // With no engine there is nothing to do with the apps: the welcome view says what to install.
    if (this.engineStatus.state === 'missing' || this.engineStatus.state === 'notResponding') {
      return [];
    }
    return apps;
  }

  getTreeItem(def: AppDefinition): vscode.TreeItem {
    const state = this.controller.stateOf(def.ref);
    const item = new vscode.TreeItem(def.ref.name, vscode.TreeItemCollapsibleState.None);
    item.id = def.ref.key;
    item.description = describeState(state);
    item.contextValue = `app:${state.status}${state.port !== undefined ? ':leased' : ''}`;
    item.iconPath = iconFor(state);
    item.tooltip = this.tooltipFor(def, state);
    item.resourceUri = vscode.Uri.file(def.ref.folder);
    item.accessibilityInformation = { label: `${def.ref.name}, ${item.description}` };
    if (state.status === 'running') {
      item.command = { command: 'previewContainers.openPreview', title: 'Open App Preview', arguments: [def] };
    }
    return item;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables) {
      d.dispose();
    }
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
    if (!this.refreshTimer) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = undefined;
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
      }, 50);
    }
  }

  private tooltipFor(def: AppDefinition, state: AppState): vscode.MarkdownString {
    const lines = [
      `**${escapeMarkdown(def.ref.name)}** — ${state.status}${state.stage ? ` (${escapeMarkdown(state.stage)})` : ''}`,
      '',
      `- Folder: ${codeSpan(def.ref.folder)}`,
      `- App id: ${codeSpan(def.ref.appId)}`,
      `- Port: ${state.port !== undefined ? `${state.port}${state.status === 'running' ? '' : ' (reserved)'}` : 'none yet'}`,
      `- Container: ${codeSpan(state.containerName)}`,
    ];
    if (state.image) {
      lines.push(`- Image: ${codeSpan(state.image)}`);
    }
    if (state.status === 'running' && state.startedAt !== undefined) {
      lines.push(`- Up for ${describeDuration(Date.now() - state.startedAt)}`);
    }
    if (state.url) {
      lines.push(`- URL: ${escapeMarkdown(state.url)}`);
    }
    for (const extra of this.extras) {
      const line = extra(state);
      if (line) {
        lines.push(`- ${escapeMarkdown(line)}`);
      }
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

