import * as vscode from 'vscode';
import type { EngineState } from './engineStatus';

/**
 * Every context key this extension sets, in one place: the manifest's `when` clauses
 * (package.json) use exactly these names.
 */
const KEYS = {
  /** The extension has activated: from then on the explorer offers Run only on app folders. */
  activated: 'previewContainers.activated',
  /** The folders of the workspace's apps (`resourcePath in previewContainers.appFolders`). */
  appFolders: 'previewContainers.appFolders',
  /** No apps found: the "no apps" welcome view. */
  noApps: 'previewContainers.noApps',
  /** The engine's state: the engine welcome views. */
  engineState: 'previewContainers.engineState',
  /** VS Code's Integrated Browser exists (`workbench.action.browser.open`): menus offer it. */
  integratedBrowser: 'previewContainers.integratedBrowser',
} as const;

function set(key: string, value: unknown): void {
  void vscode.commands.executeCommand('setContext', key, value);
}

export const contextKeys = {
  activated: (): void => set(KEYS.activated, true),
  appFolders: (folders: readonly string[]): void => set(KEYS.appFolders, folders),
  noApps: (none: boolean): void => set(KEYS.noApps, none),
  engineState: (state: EngineState): void => set(KEYS.engineState, state),
  integratedBrowser: (available: boolean): void => set(KEYS.integratedBrowser, available),
};
