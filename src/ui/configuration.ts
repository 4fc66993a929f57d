import * as path from 'node:path';
import * as vscode from 'vscode';
import { HOST_SETTINGS, hostSettingsIn, readSettings, userLevelForHostSettings, type Settings } from '../core/settings';

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

/**
 * Every host setting a workspace or folder settings file names (all of them are ignored). VS Code
 * drops machine-scoped values from those files before `inspect` sees them, so the files are read
 * here (JSON with comments, parsed tolerantly), besides what `inspect` still reports.
 */
export async function ignoredHostSettings(): Promise<IgnoredSetting[]> {
  const found = new Map<string, IgnoredSetting>();
  const add = (setting: string, file: string): void => void found.set(`${setting}|${file}`, { setting, file });
  const workspaceFile = vscode.workspace.workspaceFile;
  const folders = vscode.workspace.workspaceFolders ?? [];
  const files: { uri: vscode.Uri; section?: string }[] = folders.map((f) => ({ uri: vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json') }));
  if (workspaceFile?.scheme === 'file') {
    files.push({ uri: workspaceFile, section: 'settings' });
  }
  for (const { uri, section } of files) {
    for (const setting of hostSettingsIn(await readText(uri), section)) {
      add(setting, uri.fsPath);
    }
  }
  for (const name of HOST_SETTINGS) {
    if (vscode.workspace.getConfiguration(SECTION).inspect(name)?.workspaceValue !== undefined) {
      add(`${SECTION}.${name}`, workspaceFile?.fsPath ?? (folders[0] ? vscode.Uri.joinPath(folders[0].uri, '.vscode', 'settings.json').fsPath : 'the workspace settings'));
    }
  }
  return [...found.values()];
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}


/**
 * Tells the user, once per window and file, that a workspace tried to set a host setting and that
 * it was ignored — and how to set it deliberately.
 */
export class IgnoredSettingsNotice {
  private readonly told = new Set<string>();

  constructor(private readonly logger?: { warn(message: string): void }) {}

  async check(): Promise<void> {
    const fresh = (await ignoredHostSettings()).filter((i) => !this.told.has(`${i.setting}|${i.file}`));
    if (fresh.length === 0) {
      return;
    }
    for (const item of fresh) {
      this.told.add(`${item.setting}|${item.file}`);
    }
    const list = fresh.map((i) => vscode.l10n.t('"{0}" (in {1})', i.setting, i.file)).join(', ');
    // In a remote window (Remote-SSH, Codespaces, code-server) VS Code reads machine-scoped
    // settings from the remote machine's settings and ignores them in the local User settings.
    const remote = vscode.env.remoteName !== undefined;
    const message = remote
      ? vscode.l10n.t(
          'Ignored {0}: settings that choose what runs on this machine or what is exposed are only read from your Remote settings in this window, never from a workspace. To use a value, set it in your Remote settings.',
          list,
        )
      : vscode.l10n.t(
          'Ignored {0}: settings that choose what runs on this machine or what is exposed are only read from your user settings, never from a workspace. To use a value, set it in your user settings.',
          list,
        );
    this.logger?.warn(message);
    const open = remote ? vscode.l10n.t('Open Remote Settings') : vscode.l10n.t('Open User Settings');
    void vscode.window.showWarningMessage(message, open).then((choice) => {
      if (choice) {
        void vscode.commands.executeCommand(remote ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings', fresh[0]?.setting ?? SECTION);
      }
    });
  }
}

/** Where a change of our settings goes: one place, instead of conditions spread over activate(). */
export function watchConfiguration(targets: {
  readonly ignoredSettings: IgnoredSettingsNotice;
  /** The engine choice, binary or connection changed: detect again. */
  readonly engineChanged: () => void;
  /** Any of our settings changed (it may have been the invalid one a pass stopped at). */
  readonly reconcile: () => void;
}): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration(SECTION)) {
      return;
    }
    void targets.ignoredSettings.check();
    if (['engine', 'enginePath', 'engineConnection'].some((key) => e.affectsConfiguration(`${SECTION}.${key}`))) {
      targets.engineChanged();
    }
    targets.reconcile();
  });
}

/**
 * Records, in the workspace settings, the port an app listens on inside its container: its
 * `previewContainers.apps` entry gets `containerPort` (an entry is added when it has none).
 */
export async function rememberContainerPort(folder: string, port: number): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const first = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const entries = [...((config.inspect<unknown[]>('apps')?.workspaceValue ?? []) as Record<string, unknown>[])];
  const resolve = (p: unknown): string | undefined => (typeof p === 'string' ? path.resolve(first ?? '/', p) : undefined);
  const index = entries.findIndex((e) => resolve(e.path) === path.resolve(folder));
  if (index >= 0) {
    entries[index] = { ...entries[index], containerPort: port };
  } else {
    entries.push({ path: first ? path.relative(first, folder) || '.' : folder, containerPort: port });
  }
  await config.update('apps', entries, vscode.ConfigurationTarget.Workspace);
}
