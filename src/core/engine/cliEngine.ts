import { promises as fs } from 'node:fs';
import { EngineCommandError, EngineNotFoundError, EngineNotRespondingError } from '../errors';
import type { Logger } from '../logger';
import type { BuildSpec } from './buildArgv';
import { runBuild } from './cliBuild';
import type { BuildResult, ContainerEngine, EngineInfo } from './containerEngine';
import { EngineRunError } from './engineErrors';
import { classifyEngineFailure } from './engineFailure';
import type { Exec, ExecResult, ExecStream } from './exec';
import {
  eventsArgs,
  imageExistsArgs,
  infoArgs,
  inspectArgs,
  inspectImageArgs,
  listArgs,
  listImagesArgs,
  logsArgs,
  networkReloadArgs,
  procNetArgs,
  pullArgs,
  removeArgs,
  removeImageArgs,
  removeVolumesArgs,
  startArgs,
  stopArgs,
  waitArgs,
} from './engineArgs';
import { parseDockerImages, parseImageInspect, parsePodmanImages, type ImageDetails, type ImageSummary } from './images';
import { isOurs } from './labels';
import { parseProcNetTcp, type Listener } from '../listeners';
import { parseDockerPs, parsePodmanPs } from './parseContainerList';
import { parseEngineEvent } from './parseEvent';
import { PidLookup } from './pidLookup';
import { parseInspect } from './parseInspect';
import { buildRunArgs, type RunSpec } from './runArgs';
import type { ContainerDetails, ContainerSummary, EngineEvent, EngineKind } from './types';

const DEFAULT_TIMEOUT_MS = 60_000;

export interface CliEngineOptions {
  readonly kind: EngineKind;
  readonly binary: string;
  readonly exec: Exec;
  readonly stream: ExecStream;
  readonly logger: Logger;
  /** Global flags before the subcommand, e.g. `--connection <name>` / `--context <name>`. */
  readonly globalArgs?: readonly string[];
  /** The remote machine the containers run on, if not this one. */
  readonly host?: string;
}

/** The engine CLI (podman or docker) driven with argument arrays; output parsed with schemas. */
export class CliEngine implements ContainerEngine {
  readonly kind: EngineKind;
  readonly binary: string;
  readonly host: string | undefined;
  private readonly globalArgs: readonly string[];
  /** Container → its first process, for reading its sockets (bounded: containers come and go). */
  private readonly pids = new BoundedMap<string, number>(64);
  private readonly pidLookup = new PidLookup((ids) => this.inspectMany(ids));

  constructor(private readonly options: CliEngineOptions) {
    this.kind = options.kind;
    this.binary = options.binary;
    this.host = options.host;
    this.globalArgs = options.globalArgs ?? [];
  }

  async info(): Promise<EngineInfo> {
    const result = await this.call(infoArgs(this.kind), { timeoutMs: 30_000 });
    this.check(result, 'info');
    let json: { version?: { Version?: string }; ServerVersion?: string; ServerErrors?: unknown } = {};
    try {
      json = JSON.parse(result.stdout) as typeof json;
    } catch {
      // The version is informative only.
    }
    // docker 20.10's client exits 0 without a daemon; it says so under ServerErrors.
    if (Array.isArray(json.ServerErrors) && json.ServerErrors.length > 0) {
      throw new EngineNotRespondingError(this.kind, json.ServerErrors.map(String).join('\n'));
    }
    return { kind: this.kind, version: json.version?.Version ?? (json.ServerVersion || 'unknown') };
  }

  async run(spec: RunSpec): Promise<string> {
    const result = await this.call(buildRunArgs(spec, this.kind), { timeoutMs: 120_000 });
    if (result.exitCode === 0) {
      const id = result.stdout.trim().split('\n').pop() ?? '';
      return id;
    }
    const text = result.stderr || result.stdout;
    const failure = classifyEngineFailure(text);
    if (failure.kind === 'engineDown') {
      throw new EngineNotRespondingError(this.kind, text);
    }
    throw new EngineRunError(failure.kind, text, failure.port);
  }

  async start(idOrName: string): Promise<void> {
    this.check(await this.call(startArgs(idOrName)), 'start');
  }

  async stop(idOrName: string, timeoutSeconds = 5): Promise<void> {
    const result = await this.call(stopArgs(idOrName, timeoutSeconds), { timeoutMs: (timeoutSeconds + 30) * 1000 });
    if (result.exitCode !== 0 && classifyEngineFailure(result.stderr).kind === 'noSuchContainer') {
      return;
    }
    this.check(result, 'stop');
  }

  async remove(idOrName: string, force = true): Promise<void> {
    const result = await this.call(removeArgs(this.kind, idOrName, force));
    if (result.exitCode !== 0 && classifyEngineFailure(result.stderr).kind === 'noSuchContainer') {
      return;
    }
    this.check(result, 'rm');
  }

  async removeVolumes(names: readonly string[]): Promise<void> {
    if (names.length === 0) {
      return;
    }
    const result = await this.call(removeVolumesArgs(names));
    if (result.exitCode !== 0 && !/no such volume|no volume with name/i.test(result.stderr)) {
      this.check(result, 'volume rm');
    }
  }

  async list(options: { readonly all: boolean; readonly ours: boolean }): Promise<ContainerSummary[]> {
    const result = await this.call(listArgs(this.kind, options));
    this.check(result, 'ps');
    return this.kind === 'podman' ? parsePodmanPs(result.stdout) : parseDockerPs(result.stdout);
  }

  async inspect(idOrName: string): Promise<ContainerDetails | undefined> {
    return (await this.inspectMany([idOrName]))[0];
  }

  /** The containers of `idsOrNames` that exist (one CLI call; both engines print the found ones and exit non-zero for the rest). */
  private async inspectMany(idsOrNames: readonly string[]): Promise<ContainerDetails[]> {
    const result = await this.call(inspectArgs(idsOrNames));
    if (result.exitCode !== 0) {
      const kind = classifyEngineFailure(result.stderr).kind;
      if (!(kind === 'noSuchContainer' || /no such object|not found/i.test(result.stderr))) {
        this.check(result, 'inspect');
      }
      if (!result.stdout.trim().startsWith('[')) {
        return [];
      }
    }
    return parseInspect(result.stdout);
  }

  async logs(idOrName: string, tail: number): Promise<string[]> {
    const result = await this.call(logsArgs(idOrName, tail), { all: true });
    if (result.exitCode !== 0) {
      return [];
    }
    return result.all.split('\n').filter((line) => line !== '');
  }

  async followLogs(idOrName: string, onLine: (line: string) => void, signal: AbortSignal, tail = 200): Promise<void> {
    await this.options.stream(this.binary, [...this.globalArgs, ...logsArgs(idOrName, tail, true)], onLine, { signal, from: 'all' });
  }

  async events(onEvent: (event: EngineEvent) => void, signal: AbortSignal): Promise<{ readonly reason: string }> {
    const args = [...this.globalArgs, ...eventsArgs(this.kind)];
    this.options.logger.debug(`${this.binary} ${args.join(' ')}`);
    const result = await this.options.stream(
      this.binary,
      args,
      (line) => {
        const event = parseEngineEvent(line);
        if (event && isOurs(event.labels)) {
          onEvent(event);
        }
      },
      { signal },
    );
    if (result.spawnError) {
      return { reason: `could not start ${this.binary}: ${result.spawnError}` };
    }
    return { reason: result.cancelled ? 'cancelled' : `exit code ${result.exitCode ?? '?'}: ${result.stderr.trim().split('\n').pop() ?? ''}` };
  }

  async wait(idOrName: string, signal: AbortSignal): Promise<number | undefined> {
    const result = await this.call(waitArgs(idOrName), { signal, timeoutMs: 0 });
    if (result.exitCode !== 0) {
      return undefined;
    }
    const code = Number(result.stdout.trim().split('\n').pop());
    return Number.isInteger(code) ? code : undefined;
  }

  async listeners(idOrName: string): Promise<Listener[] | undefined> {
    // A local engine's containers are processes of this machine: their sockets are a file read
    // away (no engine call every half second). A remote one, or a VM's, is asked from inside.
    if (this.host === undefined && this.globalArgs.length === 0) {
      const pid = this.pids.get(idOrName) ?? (await this.pidLookup.pidOf(idOrName));
      if (pid !== undefined) {
        this.pids.set(idOrName, pid);
        const text = await readProcNet(pid);
        if (text !== undefined) {
          return parseProcNetTcp(text);
        }
        this.pids.delete(idOrName);
      }
    }
    const result = await this.call(procNetArgs(idOrName), { timeoutMs: 10_000 });
    return result.exitCode === 0 ? parseProcNetTcp(result.stdout) : undefined;
  }

  async imageExists(image: string): Promise<boolean> {
    const result = await this.call(imageExistsArgs(this.kind, image));
    if (result.exitCode !== 0 && classifyEngineFailure(result.stderr).kind === 'engineDown') {
      throw new EngineNotRespondingError(this.kind, result.stderr);
    }
    return result.exitCode === 0;
  }

  async pull(image: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const lines: string[] = [];
    const result = await this.options.stream(
      this.binary,
      [...this.globalArgs, ...pullArgs(image)],
      (line) => {
        lines.push(line);
        onLine(line);
      },
      { signal: controller.signal, from: 'all' },
    );
    if (result.exitCode !== 0) {
      throw new EngineCommandError(`${this.binary} pull ${image}`, lines.slice(-5).join('\n') || result.stderr, result.exitCode);
    }
  }

  build(spec: BuildSpec, onLine: (line: string) => void, signal: AbortSignal): Promise<BuildResult> {
    return runBuild({ kind: this.kind, binary: this.binary, globalArgs: this.globalArgs, stream: this.options.stream, logger: this.options.logger, removeImage: (ref) => this.removeImage(ref) }, spec, onLine, signal);
  }

  async removeImage(ref: string): Promise<void> {
    const result = await this.call(removeImageArgs(ref));
    if (result.exitCode !== 0 && !/image not known|No such image/i.test(result.stderr)) {
      this.check(result, 'rmi');
    }
  }

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    const result = await this.call(inspectImageArgs(ref));
    if (result.exitCode !== 0) {
      if (/image not known|No such image|no such object/i.test(result.stderr)) {
        return undefined;
      }
      this.check(result, 'image inspect');
    }
    return parseImageInspect(result.stdout)[0];
  }

  async listImages(label: { readonly key: string; readonly value: string }): Promise<ImageSummary[]> {
    const result = await this.call(listImagesArgs(this.kind, label));
    this.check(result, 'images');
    return this.kind === 'podman' ? parsePodmanImages(result.stdout) : parseDockerImages(result.stdout);
  }

  async repairForwarding(idOrName: string): Promise<void> {
    // docker does not need it; podman's remote client cannot do it (`network reload` is local-only).
    if (this.kind !== 'podman' || this.globalArgs.length > 0) {
      return;
    }
    const result = await this.call(networkReloadArgs(idOrName));
    if (result.exitCode !== 0) {
      this.options.logger.warn(`podman network reload ${idOrName} failed: ${result.stderr.trim()}`);
    }
  }

  private async call(args: readonly string[], options: { timeoutMs?: number; signal?: AbortSignal; all?: boolean } = {}): Promise<ExecResult> {
    const full = [...this.globalArgs, ...args];
    const started = Date.now();
    const result = await this.options.exec(this.binary, full, {
      timeoutMs: options.timeoutMs === 0 ? undefined : (options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      signal: options.signal,
      all: options.all ?? false,
      // No time limit: it waits as long as the host lives, and not longer.
      endsWithHost: options.timeoutMs === 0,
    });
    this.options.logger.debug(`${this.binary} ${full.join(' ')} → ${result.spawnError ?? result.exitCode ?? '?'} (${Date.now() - started} ms)`);
    if (result.spawnError === 'ENOENT') {
      throw new EngineNotFoundError([this.binary]);
    }
    if (result.spawnError) {
      throw new EngineNotRespondingError(this.kind, `could not run ${this.binary}: ${result.spawnError}`);
    }
    if (result.timedOut) {
      throw new EngineNotRespondingError(this.kind, `"${this.binary} ${args[0] ?? ''}" did not finish in time`);
    }
    return result;
  }

  private check(result: ExecResult, what: string): void {
    if (result.exitCode === 0 || result.cancelled) {
      return;
    }
    if (classifyEngineFailure(result.stderr).kind === 'engineDown') {
      throw new EngineNotRespondingError(this.kind, result.stderr);
    }
    throw new EngineCommandError(`${this.binary} ${what}`, result.stderr, result.exitCode);
  }
}

/** Both socket tables of a process's network namespace, or undefined when they cannot be read. */
async function readProcNet(pid: number): Promise<string | undefined> {
  try {
    const [v4, v6] = await Promise.all([fs.readFile(`/proc/${pid}/net/tcp`, 'utf8'), fs.readFile(`/proc/${pid}/net/tcp6`, 'utf8').catch(() => '')]);
    return `${v4}\n${v6}`;
  } catch {
    return undefined;
  }
}

/** A Map that forgets its oldest entries beyond `limit`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.limit) {
      const oldest = this.keys().next();
      if (oldest.done) {
        break;
      }
      super.delete(oldest.value);
    }
    return this;
  }
}
