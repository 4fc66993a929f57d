import * as vscode from 'vscode';
import { HOST_SETTINGS, readSettings, userLevelForHostSettings, type Settings } from '../core/settings';

export const SECTION = 'previewContainers';

/**
 * Current settings, validated by the core (throws a SettingsError naming the bad setting). Host
 * settings (engine, engine path and connection, bind address, port pool) come from user settings
 * only: a workspace file must never pick the binary we execute or what we expose.
 */
export function currentSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return readSettings(userLevelForHostSettings((name) => config.inspect(name), (name) => config.get(name)));
}

export function openSettings(setting?: string): Thenable<unknown> {
  // `apps[2].image` → search for the setting itself.
  const query = setting?.replace(/\[.*$/, '') ?? SECTION;
  return vscode.commands.executeCommand('workbench.action.openSettings', query);
}

/** A host setting a workspace or folder settings file tried to set, and which file. */
export interface IgnoredSetting {
  readonly setting: string;
  readonly file: string;
}

/** Every workspace- or folder-level value of a host setting (all of them are ignored). */
export function ignoredHostSettings(): IgnoredSetting[] {
  const found: IgnoredSetting[] = [];
  const workspaceFile = vscode.workspace.workspaceFile;
  const folders = vscode.workspace.workspaceFolders ?? [];
  const settingsFileOf = (folder: vscode.WorkspaceFolder): string => vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json').fsPath;
  for (const name of HOST_SETTINGS) {
    const setting = `${SECTION}.${name}`;
    const workspaceValue = vscode.workspace.getConfiguration(SECTION).inspect(name)?.workspaceValue;
    if (workspaceValue !== undefined) {
      // In a single-folder window the workspace level is that folder's .vscode/settings.json.
      const file = workspaceFile ? (workspaceFile.scheme === 'untitled' ? 'the untitled workspace’s settings' : workspaceFile.fsPath) : folders[0] ? settingsFileOf(folders[0]) : 'the workspace settings';
      found.push({ setting, file });
    }
    if (workspaceFile) {
      for (const folder of folders) {
        if (vscode.workspace.getConfiguration(SECTION, folder.uri).inspect(name)?.workspaceFolderValue !== undefined) {
          found.push({ setting, file: settingsFileOf(folder) });
        }
      }
    }
  }
  return found;
}

/**
 * Tells the user, once per window and file, that a workspace tried to set a host setting and that
 * it was ignored — and how to set it deliberately.
 */
export class IgnoredSettingsNotice {
  private readonly told = new Set<string>();

  check(): void {
    const fresh = ignoredHostSettings().filter((i) => !this.told.has(`${i.setting}|${i.file}`));
    if (fresh.length === 0) {
      return;
    }
    for (const item of fresh) {
      this.told.add(`${item.setting}|${item.file}`);
    }
    const list = fresh.map((i) => `"${i.setting}" (in ${i.file})`).join(', ');
    const message = `Ignored ${list}: settings that choose what runs on this machine or what is exposed are only read from your user settings, never from a workspace. To use a value, set it in your user settings.`;
    void vscode.window.showWarningMessage(message, 'Open User Settings').then((choice) => {
      if (choice) {
        void vscode.commands.executeCommand('workbench.action.openSettings', fresh[0]?.setting ?? SECTION);
      }
    });
  }
}
