import * as vscode from 'vscode';
import { readSettings, type Settings } from '../core/settings';

export const SECTION = 'previewContainers';

/** Current settings, validated by the core (throws a SettingsError naming the bad setting). */
export function currentSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return readSettings((name) => config.get(name));
}

export function openSettings(setting?: string): Thenable<unknown> {
  // `apps[2].image` → search for the setting itself.
  const query = setting?.replace(/\[.*$/, '') ?? SECTION;
  return vscode.commands.executeCommand('workbench.action.openSettings', query);
}
