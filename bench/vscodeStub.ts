/**
 * A stand-in for the `vscode` module: just what `activate()` and the idle extension touch, so the
 * real bundle can run in a plain Node process against real podman. Loaded through a require hook
 * (`installVscodeStub`); the `host` object lets the bench configure it and read what the
 * extension showed. Benchmark use only.
 */
import { promises as fs } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

type Listener<T> = (event: T) => unknown;

export class Disposable {
  private done = false;
  constructor(private readonly callOnDispose: () => unknown) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    if (!this.done) {
      this.done = true;
      this.callOnDispose();
    }
  }
}

export class EventEmitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>, thisArgs?: unknown, disposables?: Disposable[]): Disposable => {
    const bound: Listener<T> = thisArgs === undefined ? listener : (e) => listener.call(thisArgs, e);
    this.listeners.add(bound);
    const disposable = new Disposable(() => this.listeners.delete(bound));
    disposables?.push(disposable);
    return disposable;
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri('file', '', path.resolve(fsPath), '', '');
  }
  static parse(text: string): Uri {
    const url = new URL(text);
    return new Uri(url.protocol.replace(/:$/, ''), url.host, decodeURIComponent(url.pathname), url.search.replace(/^\?/, ''), url.hash.replace(/^#/, ''));
  }
  static from(parts: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(parts.scheme, parts.authority ?? '', parts.path ?? '', parts.query ?? '', parts.fragment ?? '');
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return base.with({ path: path.posix.join(base.path, ...segments) });
  }
  get fsPath(): string {
    return this.path;
  }
  with(change: { path?: string; query?: string }): Uri {
    return new Uri(this.scheme, this.authority, change.path ?? this.path, change.query ?? this.query, this.fragment);
  }
  toString(): string {
    if (this.scheme === 'file') {
      return pathToFileURL(this.path).toString();
    }
    return `${this.scheme}://${this.authority}${this.path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export class MarkdownString {
  constructor(readonly value = '') {}
}

export class TreeItem {
  id?: string;
  description?: string;
  contextValue?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  resourceUri?: Uri;
  command?: unknown;
  accessibilityInformation?: unknown;
  constructor(
    readonly label: string,
    readonly collapsibleState = 0,
  ) {}
}

export const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 } as const;
export const StatusBarAlignment = { Left: 1, Right: 2 } as const;
export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 } as const;
export const ViewColumn = { Active: -1, Beside: -2, One: 1, Two: 2 } as const;

interface TreeProvider {
  readonly onDidChangeTreeData?: (listener: Listener<unknown>) => Disposable;
  getChildren(element?: unknown): Promise<unknown[]> | unknown[];
  getTreeItem(element: unknown): TreeItem | Promise<TreeItem>;
}

/** What the bench sets up before activation and reads afterwards. */
export const host = {
  settings: {} as Record<string, unknown>,
  workspaceFolders: [] as { uri: Uri; name: string; index: number }[],
  /** Every line written to output channels: [level, text]. */
  log: [] as [string, string][],
  contexts: new Map<string, unknown>(),
  /** The items each tree view shows, as the workbench would have rendered them last. */
  trees: new Map<string, TreeItem[]>(),
  treeRenders: 0,
  verbose: false,
};

function record(level: string, text: string): void {
  host.log.push([level, text]);
  if (host.verbose && (level === 'warn' || level === 'error')) {
    process.stderr.write(`[stub ${level}] ${text}\n`);
  }
}

function outputChannel(name: string): Record<string, unknown> {
  const line = (level: string) => (text: string) => record(level, `${name}: ${text}`);
  return {
    name,
    logLevel: 2,
    onDidChangeLogLevel: new EventEmitter<number>().event,
    trace: line('trace'),
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    append: line('append'),
    appendLine: line('append'),
    replace: () => undefined,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };
}

/**
 * Renders like the workbench: a change event for some items asks for those items again, one
 * without items asks for every item.
 */
function treeView(id: string, options: { treeDataProvider: TreeProvider }): Record<string, unknown> {
  const provider = options.treeDataProvider;
  let rendering = Promise.resolve();
  let elements: unknown[] = [];
  const render = (changed: unknown): void => {
    rendering = rendering
      .then(async () => {
        const only = changed === undefined ? undefined : Array.isArray(changed) ? changed : [changed];
        if (only === undefined) {
          elements = await provider.getChildren();
        }
        const items = await Promise.all((only ?? elements).map((element) => Promise.resolve(provider.getTreeItem(element))));
        const byId = new Map((host.trees.get(id) ?? []).map((item) => [item.id, item]));
        items.forEach((item) => byId.set(item.id, item));
        host.trees.set(id, only === undefined ? items : [...byId.values()]);
        host.treeRenders++;
      })
      .catch((error: unknown) => record('error', `tree ${id}: ${String(error)}`));
  };
  const subscription = provider.onDidChangeTreeData?.((changed) => render(changed));
  render(undefined);
  return {
    visible: true,
    onDidChangeVisibility: new EventEmitter<{ visible: boolean }>().event,
    dispose: () => subscription?.dispose(),
  };
}

const commandHandlers = new Map<string, (...args: unknown[]) => unknown>();
const configurationChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
const foldersChanged = new EventEmitter<unknown>();
const resolved = <T>(value: T): Promise<T> => Promise.resolve(value);
const noop = (): Disposable => new Disposable(() => undefined);

export const commands = {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown): Disposable {
    commandHandlers.set(id, handler);
    return new Disposable(() => commandHandlers.delete(id));
  },
  executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    if (id === 'setContext') {
      host.contexts.set(String(args[0]), args[1]);
      return resolved(undefined);
    }
    const handler = commandHandlers.get(id);
    return handler ? Promise.resolve().then(() => handler(...args)) : resolved(undefined);
  },
};

export const window = {
  createOutputChannel: (name: string) => outputChannel(name),
  createTreeView: (id: string, options: { treeDataProvider: TreeProvider }) => treeView(id, options),
  createStatusBarItem: () => ({ text: '', tooltip: '', name: '', command: undefined, show: () => undefined, hide: () => undefined, dispose: () => undefined }),
  registerWebviewPanelSerializer: noop,
  showInformationMessage: () => resolved(undefined),
  showWarningMessage: (message: string) => (record('warn', `notification: ${message}`), resolved(undefined)),
  showErrorMessage: (message: string) => (record('error', `notification: ${message}`), resolved(undefined)),
  showQuickPick: () => resolved(undefined),
  showTextDocument: () => resolved(undefined),
  setStatusBarMessage: noop,
  withProgress: <T>(_options: unknown, task: (progress: { report(value: unknown): void }, token: unknown) => Promise<T>): Promise<T> =>
    task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: noop }),
  createWebviewPanel: (): never => {
    throw new Error('The bench host has no webviews');
  },
};

export const workspace = {
  get workspaceFolders() {
    return host.workspaceFolders;
  },
  isTrusted: true,
  workspaceFile: undefined,
  onDidGrantWorkspaceTrust: noop,
  getConfiguration: (section: string) => ({
    get: <T>(name: string, fallback?: T): T | undefined => (host.settings[`${section}.${name}`] as T | undefined) ?? fallback,
    // The bench's settings are the user's own.
    inspect: (name: string) => ({ key: `${section}.${name}`, globalValue: host.settings[`${section}.${name}`] }),
    has: (name: string) => `${section}.${name}` in host.settings,
    update: () => resolved(undefined),
  }),
  createFileSystemWatcher: () => ({ onDidCreate: noop, onDidChange: noop, onDidDelete: noop, dispose: () => undefined }),
  onDidChangeConfiguration: configurationChanged.event,
  onDidChangeWorkspaceFolders: foldersChanged.event,
  registerTextDocumentContentProvider: noop,
  openTextDocument: () => resolved(undefined),
  getWorkspaceFolder: (uri: Uri) => host.workspaceFolders.find((f) => uri.fsPath.startsWith(f.uri.fsPath)),
  asRelativePath: (target: string) => target,
  fs: { stat: (uri: Uri) => fs.stat(uri.fsPath), readFile: (uri: Uri) => fs.readFile(uri.fsPath) },
};

export const env = {
  asExternalUri: (uri: Uri) => resolved(uri),
  openExternal: () => resolved(true),
  clipboard: { writeText: () => resolved(undefined) },
};

/** A host with language model tools (VS Code 1.96+): registering one is all activation does. */
export const lm = {
  registerTool: noop,
};

export const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 } as const;

export const languages = {
  setTextDocumentLanguage: <T>(document: T) => resolved(document),
};

/** Makes `require('vscode')` load this module, in this process, from now on. */
export function installVscodeStub(): void {
  const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  const self = __filename;
  mod._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return request === 'vscode' ? self : original.call(this, request, ...rest);
  };
}

/** A globalState-like memento for the extension context. */
export function memento(): { get<T>(key: string, fallback?: T): T | undefined; update(key: string, value: unknown): Promise<void>; keys(): string[]; setKeysForSync(): void } {
  const values = new Map<string, string>();
  return {
    get: <T>(key: string, fallback?: T): T | undefined => {
      const raw = values.get(key);
      return raw === undefined ? fallback : (JSON.parse(raw) as T);
    },
    update: (key: string, value: unknown) => {
      if (value === undefined) {
        values.delete(key);
      } else {
        values.set(key, JSON.stringify(value));
      }
      return resolved(undefined);
    },
    keys: () => [...values.keys()],
    setKeysForSync: () => undefined,
  };
}
