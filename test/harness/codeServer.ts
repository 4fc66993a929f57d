import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { findFreePort } from './freePort';
import { makeTempDir, REPO_ROOT, removeDir, requireCodeServer } from './prerequisites';
import { spawnGroup, stopGroup, type GroupProcess } from './processGroup';
import { delay, orTimeout } from './timing';

export interface CodeServerOptions {
  /** Short label for temp folders and messages. */
  readonly name: string;
  /** Folder opened by default (tests usually pass `?folder=` in the URL instead). */
  readonly workspace?: string;
  /** .vsix files installed with `--install-extension` before the server starts. */
  readonly vsix?: readonly string[];
  /** Extra environment; the extension host inherits the server's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Port to use; default: a free one chosen now. */
  readonly port?: number;
  /** Keep user data, extensions and XDG folders here instead of a throw-away temp folder. */
  readonly stateDir?: string;
  /** Echo the server's output to this callback as it comes. */
  readonly onOutput?: (text: string) => void;
  /** More code-server flags, e.g. `--proxy-domain` (a function gets the port chosen for the server). */
  readonly extraArgs?: readonly string[] | ((port: number) => readonly string[]);
  /**
   * Keep VS Code's workspace trust on (default off: `--disable-workspace-trust`, every folder
   * trusted). With it on, a new folder opens untrusted (Restricted Mode).
   */
  readonly workspaceTrust?: boolean;
  /** Written to the user's settings.json before the server starts. */
  readonly userSettings?: Readonly<Record<string, unknown>>;
}

const MAX_LOG_LINES = 400;
const START_ATTEMPTS = 3;

/** code-server (VS Code 1.100 in the browser) on 127.0.0.1, with its own folders and a captured log. */
export class CodeServer {
  private stopped = false;

  private constructor(
    readonly port: number,
    private readonly process: GroupProcess,
    private readonly log: LogCapture,
    private readonly ownedDir: string | undefined,
    /** The user data folder (settings, and the logs of the extension host under logs/). */
    readonly userDataDir: string,
  ) {}

  get pid(): number {
    return this.process.pid;
  }

  /** Resolves when the server process exits (with its exit code or signal). */
  get exited(): Promise<number | string> {
    return this.process.exited;
  }

  /** The workbench URL as the browser opens it. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The authority the workbench uses for files on the server (`vscode-remote://<authority>/abs/path`). */
  get remoteAuthority(): string {
    return `127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return this.log.file;
  }

  folderUrl(folder: string): string {
    return `${this.url}/?folder=${encodeURIComponent(folder)}`;
  }

  logTail(lines = 60): string {
    return this.log.tail(lines);
  }

  /** Replaces the user's settings.json. An open window does not apply an outside edit: reload it. */
  async writeUserSettings(settings: Readonly<Record<string, unknown>>): Promise<void> {
    await writeUserSettings(this.userDataDir, settings);
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const entry = requireCodeServer();
    const ownedDir = options.stateDir === undefined ? await makeTempDir(`code-server-${options.name}`) : undefined;
    const root = options.stateDir ?? ownedDir!;
    const dirs = {
      userData: path.join(root, 'user-data'),
      extensions: path.join(root, 'extensions'),
      xdgConfig: path.join(root, 'xdg-config'),
      xdgData: path.join(root, 'xdg-data'),
    };
    try {
      for (const dir of Object.values(dirs)) {
        await fs.promises.mkdir(dir, { recursive: true });
      }
      if (options.userSettings !== undefined) {
        await writeUserSettings(dirs.userData, options.userSettings);
      }
      const env = serverEnvironment(dirs, options.env);
      const dirArgs = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
      const log = new LogCapture(path.join(root, 'code-server.log'), options.onOutput);
      for (const vsix of options.vsix ?? []) {
        await installExtension(entry, vsix, dirArgs, env, log);
      }
      // The port is free when chosen but another process may take it before code-server binds it: retry.
      for (let attempt = 1; ; attempt++) {
        const port = options.port ?? (await findFreePort());
        const args = [
          entry,
          '--auth', 'none',
          '--bind-addr', `127.0.0.1:${port}`,
          '--disable-telemetry',
          '--disable-update-check',
          ...(options.workspaceTrust === true ? [] : ['--disable-workspace-trust']),
          '--disable-getting-started-override',
          ...(typeof options.extraArgs === 'function' ? options.extraArgs(port) : (options.extraArgs ?? [])),
          ...dirArgs,
          ...(options.workspace === undefined ? [] : [options.workspace]),
        ];
        log.note(`starting code-server on 127.0.0.1:${port}`);
        const child = await spawnGroup(process.execPath, args, { env, label: 'code-server', onOutput: (text) => log.append(text) });
        const server = new CodeServer(port, child, log, ownedDir, dirs.userData);
        try {
          await server.waitUntilHealthy(30_000);
          return server;
        } catch (error) {
          const portTaken = /EADDRINUSE/.test(log.tail(20));
          await server.stopProcess();
          if (portTaken && options.port === undefined && attempt < START_ATTEMPTS) {
            continue;
          }
          await log.close();
          throw new Error(`${(error as Error).message}\n--- code-server log (last 40 lines, ${log.file}) ---\n${log.tail(40)}`, {
            cause: error,
          });
        }
      }
    } catch (error) {
      await removeDir(ownedDir);
      throw error;
    }
  }

  /**
   * Loads the workbench page once without a browser: the first request makes code-server load the
   * VS Code server (about a second), which can overlap with starting the browser.
   */
  async warmUp(): Promise<void> {
    await new Promise<void>((resolve) => {
      const request = http.get(`${this.url}/`, { timeout: 15_000 }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve());
    });
  }

  private async waitUntilHealthy(timeoutMs: number): Promise<void> {
    let exitedWith: number | string | undefined;
    void this.process.exited.then((code) => (exitedWith = code));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exitedWith !== undefined) {
        throw new Error(`code-server exited (${exitedWith}) before /healthz answered`);
      }
      if (await healthy(`${this.url}/healthz`)) {
        return;
      }
      await delay(100);
    }
    throw new Error(`code-server did not answer ${this.url}/healthz within ${timeoutMs / 1000}s`);
  }

  private async stopProcess(): Promise<void> {
    // An extension host of a closed tab lingers until the server stops: stop the whole group.
    await stopGroup(this.process.pid);
    await this.process.exited;
  }

  /** Stops the server and everything it started (by process group) and removes its temp folder. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    try {
      await this.stopProcess();
    } finally {
      await this.log.close();
      await removeDir(this.ownedDir);
    }
  }
}

/**
 * code-server's window is a remote one: VS Code drops `machine`-scoped settings (our host settings:
 * engine, engine path and connection, bind address, port pool) from the User settings there and
 * reads them from the remote machine's settings (user-data/Machine/settings.json, "Preferences:
 * Open Remote Settings"). Observed here: the first window after the install still took them from
 * User (presumably: the scopes were not known yet), the same window after a reload did not — so
 * they go where users of a remote window put them.
 */
async function writeUserSettings(userDataDir: string, settings: Readonly<Record<string, unknown>>): Promise<void> {
  const machineScoped = machineScopedSettings();
  const user: Record<string, unknown> = {};
  const machine: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    (machineScoped.has(key) ? machine : user)[key] = value;
  }
  for (const [dir, content] of [['User', user], ['Machine', machine]] as const) {
    await fs.promises.mkdir(path.join(userDataDir, dir), { recursive: true });
    await fs.promises.writeFile(path.join(userDataDir, dir, 'settings.json'), JSON.stringify(content, null, 2));
  }
}

/** The settings our package.json declares with `"scope": "machine"`. */
function machineScopedSettings(): Set<string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { scope?: string }> } | { properties: Record<string, { scope?: string }> }[] };
  };
  const sections = [manifest.contributes.configuration].flat();
  return new Set(sections.flatMap((section) => Object.entries(section.properties).filter(([, p]) => p.scope === 'machine').map(([key]) => key)));
}

function serverEnvironment(
  dirs: { xdgConfig: string; xdgData: string },
  extra: Readonly<Record<string, string>> | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Inside a VS Code terminal these would make the CLI talk to that VS Code instead.
    if (!key.startsWith('VSCODE_') && key !== 'ELECTRON_RUN_AS_NODE') {
      env[key] = value;
    }
  }
  return {
    ...env,
    EXTENSIONS_GALLERY: '{}',
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    ...extra,
  };
}

async function installExtension(
  entry: string,
  vsix: string,
  dirArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  log: LogCapture,
): Promise<void> {
  if (!fs.existsSync(vsix)) {
    throw new Error(`${vsix} is missing: build it with \`npm run package\` (npm run test:ui does that first).`);
  }
  log.note(`installing ${vsix}`);
  const child = await spawnGroup(process.execPath, [entry, ...dirArgs, '--install-extension', vsix, '--force'], {
    env,
    label: 'code-server-install-extension',
    onOutput: (text) => log.append(text),
  });
  const code = await orTimeout(child.exited, 60_000);
  if (code !== 0) {
    await stopGroup(child.pid);
    throw new Error(`code-server --install-extension ${vsix} failed (${code})\n${log.tail(20)}`);
  }
}

async function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** Keeps the server's output in a file and its last lines in memory (for failure messages). */
class LogCapture {
  private readonly lines: string[] = [];
  private partial = '';
  private readonly stream: fs.WriteStream;

  constructor(
    readonly file: string,
    private readonly echo: ((text: string) => void) | undefined,
  ) {
    this.stream = fs.createWriteStream(file); // fresh per start (the demo keeps its folder across runs)
  }

  note(message: string): void {
    this.append(`[harness] ${message}\n`);
  }

  append(text: string): void {
    this.stream.write(text);
    this.echo?.(text);
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > MAX_LOG_LINES) {
      this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
    }
  }

  tail(count: number): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.slice(-count).join('\n');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}
