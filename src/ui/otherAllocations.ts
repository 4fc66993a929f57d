import * as vscode from 'vscode';
import type { AppRef } from '../core/appIdentity';
import type { AllocationEntry, PortAllocator } from '../core/portAllocator';
import { describeDuration } from './format';
import { codeSpan, escapeMarkdown } from './markdown';

/** The Apps view's section of leases that are not apps of this window (other workspaces, deleted folders). */
export interface OtherAllocationsNode {
  readonly kind: 'otherAllocations';
  readonly entries: readonly AllocationEntry[];
}

/** One lease in that section; Release and (when running) Stop act on it. */
export interface AllocationNode {
  readonly kind: 'allocation';
  readonly entry: AllocationEntry;
}

/** Every lease of the pool (and kept from an earlier range) that is not an app of this window, by port. */
export async function otherAllocations(allocator: PortAllocator, ownKeys: ReadonlySet<string>): Promise<AllocationEntry[]> {
  const { allocated, outsideRange } = await allocator.listAllocations(ownKeys);
  return [...allocated, ...outsideRange].filter((entry) => !entry.thisWindow);
}

/** The app a lease names, as the controller acts on it (its folder need not be in this workspace). */
export function appOfAllocation(entry: AllocationEntry): AppRef {
  return { key: entry.folder, appId: entry.appId, folder: entry.folder, name: entry.appId, root: entry.workspace ?? entry.folder };
}

export function otherAllocationsItem(node: OtherAllocationsNode): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Other allocations'), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = 'otherAllocations';
  item.description = `${node.entries.length}`;
  item.contextValue = 'otherAllocations';
  item.iconPath = new vscode.ThemeIcon('list-ordered');
  item.tooltip = vscode.l10n.t('Ports leased to apps that are not in this window: other workspaces, deleted folders, apps not used for a while.');
  item.accessibilityInformation = { label: vscode.l10n.t('Other allocations, {0}', node.entries.length) };
  return item;
}

/** An entry's container state as the row and the picker say it (null: the engine was not asked). */
export function allocationState(entry: AllocationEntry): 'running' | 'stopped' | 'unknown' {
  return entry.running === null ? 'unknown' : entry.running ? 'running' : 'stopped';
}

export function allocationItem(entry: AllocationEntry, now: number): vscode.TreeItem {
  const item = new vscode.TreeItem(entry.appId, vscode.TreeItemCollapsibleState.None);
  const state = allocationState(entry);
  const used = vscode.l10n.t('used {0} ago', describeAge(now - Date.parse(entry.lastUsed)));
  item.id = `allocation:${entry.folder}`;
  item.description = `:${entry.port} · ${state} · ${used}`;
  item.contextValue = `allocation:${state}`;
  item.iconPath = new vscode.ThemeIcon(entry.running ? 'circle-filled' : 'circle-outline');
  item.tooltip = new vscode.MarkdownString(
    [
      vscode.l10n.t('**{0}** — port {1}, {2}', escapeMarkdown(entry.appId), entry.port, state),
      '',
      vscode.l10n.t('- Folder: {0}', codeSpan(entry.folder)),
      vscode.l10n.t('- Workspace: {0}', entry.workspace ? codeSpan(entry.workspace) : vscode.l10n.t('unknown')),
      vscode.l10n.t('- Last used: {0} ({1})', escapeMarkdown(entry.lastUsed), used),
      vscode.l10n.t('- Leased since: {0}', escapeMarkdown(entry.allocatedAt)),
    ].join('\n'),
  );
  item.accessibilityInformation = { label: `${entry.appId}, ${item.description}` };
  return item;
}

/** Leases live for days: "3 days" reads better than "72 h 0 min". */
function describeAge(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  return days >= 2 ? `${days} days` : describeDuration(ms);
}
