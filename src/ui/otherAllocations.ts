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
  const item = new vscode.TreeItem('Other allocations', vscode.TreeItemCollapsibleState.Collapsed);
  item.id = 'otherAllocations';
  item.description = `${node.entries.length}`;
  item.contextValue = 'otherAllocations';
  item.iconPath = new vscode.ThemeIcon('list-ordered');
  item.tooltip = 'Ports leased to apps that are not in this window: other workspaces, deleted folders, apps not used for a while.';
  item.accessibilityInformation = { label: `Other allocations, ${node.entries.length}` };
  return item;
}

export function allocationItem(entry: AllocationEntry, now: number): vscode.TreeItem {
  const item = new vscode.TreeItem(entry.appId, vscode.TreeItemCollapsibleState.None);
  const state = entry.running === null ? 'unknown' : entry.running ? 'running' : 'stopped';
  const used = `used ${describeAge(now - Date.parse(entry.lastUsed))} ago`;
  item.id = `allocation:${entry.folder}`;
  item.description = `:${entry.port} · ${state} · ${used}`;
  item.contextValue = `allocation:${state}`;
  item.iconPath = new vscode.ThemeIcon(entry.running ? 'circle-filled' : 'circle-outline');
  item.tooltip = new vscode.MarkdownString(
    [
      `**${escapeMarkdown(entry.appId)}** — port ${entry.port}, ${state}`,
      '',
      `- Folder: ${codeSpan(entry.folder)}`,
      `- Workspace: ${entry.workspace ? codeSpan(entry.workspace) : 'unknown'}`,
      `- Last used: ${escapeMarkdown(entry.lastUsed)} (${used})`,
      `- Leased since: ${escapeMarkdown(entry.allocatedAt)}`,
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
