import { containerNameFor, dependencyVolumeFor, type AppRef } from './appIdentity';
import { inspectFolder, resolveAppConfig, type AppDefinition, type FolderInfo, type ResolvedAppConfig } from './appFolder';
import { Emitter, type EventLike } from './emitter';
import {
  AppStartError,
  CancelledError,
  ContainerRuntimeError,
  EngineCommandError,
  ImageMissingError,
  ImagePullError,
  PortConflictError,
  PreviewContainersError,
  RemoteEngineLoopbackError,
} from './errors';
import type { ContainerEngine } from './engine/containerEngine';
import { EngineRunError } from './engine/containerEngine';
import { isOurs, labelledPort, LABEL_PATH } from './engine/labels';
import { RunSpecError } from './engine/runArgs';
import type { ContainerDetails, ContainerSummary } from './engine/types';
import { portUsageFrom } from './engine/portUsage';
import { KeyedSerialQueue } from './serialQueue';
import type { ExitWatch } from './containerExits';
import type { Clock, Logger } from './logger';
import type { EnginePortUse, PortAllocator, PortLease } from './portAllocator';
import type { Lease } from './leaseStore';
import { containedAppFolder } from './containment';
import { answers, isLoopbackHost, reachableHost, waitForHttp } from './readiness';
import type { Settings } from './settings';
import { HIDDEN_NAMES, unmirrored } from './sourceMirror';

export type AppStatus = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

/** What the UI shows for one app. */
export interface AppState {
  readonly app: AppRef;
  readonly status: AppStatus;
  /** The leased (sticky) port, also while stopped. */
  readonly port: number | undefined;
  readonly containerName: string;
  readonly containerId: string | undefined;
  readonly image: string | undefined;
  /** When the current run started (ms since epoch). */
  readonly startedAt: number | undefined;
  /** While starting: what is happening. */
  readonly stage: string | undefined;
  /** When failed: why. */
  readonly error: string | undefined;
  readonly url: string | undefined;
}

export interface RunResult {
  readonly appId: string;
  readonly port: number;
  readonly url: string;
  readonly containerId: string;
  /** True when the app was already running and nothing was started. */
  readonly alreadyRunning: boolean;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string) => void;
}

export interface AppControllerDeps {
  readonly allocator: PortAllocator;
  readonly engine: () => Promise<ContainerEngine>;
  readonly settings: () => Settings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly inspectFolder?: (folder: string) => Promise<FolderInfo>;
  /** The host folder to mount (default: the real path, checked to lie inside the workspace). */
  readonly resolveSourceFolder?: (app: AppRef) => Promise<string>;
  /** Called after the engine refused a port, so cached engine views are refreshed. */
  readonly onPortConflict?: () => void;
  /** Exit notices from the event stream; without it (or while it is down) `engine.wait` is used. */
  readonly exits?: ExitWatch;
}

const MAX_PORT_ATTEMPTS = 5;
const WAIT_SPAWN_DELAY_MS = 250;
const WAIT_BACKSTOP_DELAY_MS = 10_000;
const HEARTBEAT_MS = 20_000;
const LOG_TAIL = 30;

/**
 * The only code that starts containers. Every start goes through the allocator (the engine's `run`
 * takes a PortLease, which only the allocator can issue), per app one operation at a time.
 */
export class AppController {
  private readonly states = new Map<string, AppState>();
  private readonly queue = new KeyedSerialQueue();
  /** The start in progress per app key, so that stop and release can interrupt it. */
  private readonly starts = new Map<string, AbortController>();
  private readonly changed = new Emitter<AppState>();
  /** The engine of the latest operation, for URLs of apps observed by reconcile. */
  private lastEngine: ContainerEngine | undefined;
  readonly onDidChangeState: EventLike<AppState> = this.changed.event;
  private readonly lists = new WeakMap<ContainerEngine, SharedList>();

  constructor(private readonly deps: AppControllerDeps) {}

  stateOf(app: AppRef): AppState {
    return this.states.get(app.key) ?? this.initialState(app);
  }

  allStates(): AppState[] {
    return [...this.states.values()];
  }

  /**
   * Starts the app (or returns it if it is already running) and resolves once it answers HTTP.
   * On failure nothing is left behind: the container is removed, and a lease made for this start
   * is released (an app that already had a sticky port keeps it).
   */
  run(def: AppDefinition, options: RunOptions = {}): Promise<RunResult> {
    return this.queue.run(def.ref.key, async () => {
      const own = new AbortController();
      this.starts.set(def.ref.key, own);
      try {
        return await this.runExclusive(def, { ...options, signal: options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal });
      } finally {
        if (this.starts.get(def.ref.key) === own) {
          this.starts.delete(def.ref.key);
        }
      }
    });
  }

  /**
   * Stop and release interrupt a start in progress instead of waiting behind it (it can take up to
   * the startup timeout); the start cleans up after itself as a cancelled one does.
   */
  private interruptStart(app: AppRef): void {
    this.starts.get(app.key)?.abort();
  }

  /** Stops the container and keeps the lease: the next run gets the same port. */
  stop(app: AppRef): Promise<void> {
    this.interruptStart(app);
    return this.queue.run(app.key, async () => {
      const engine = await this.deps.engine();
      this.update(app, { status: 'stopping', stage: undefined });
      try {
        for (const id of await this.containerIdsOf(engine, app)) {
          await engine.stop(id);
        }
      } finally {
        const port = await this.deps.allocator.leaseOf(app.key);
        this.update(app, { status: 'stopped', port, startedAt: undefined, url: undefined, stage: undefined, error: undefined });
      }
      this.deps.logger.info(`Stopped ${app.appId} (port ${this.stateOf(app).port ?? '-'} kept).`);
    });
  }

  /** Stop, then run again on the same port. */
  async restart(def: AppDefinition, options: RunOptions = {}): Promise<RunResult> {
    await this.stop(def.ref);
    return this.run(def, options);
  }

  /**
   * Removes the container and forgets the lease. The dependency cache goes too, unless
   * `keepCache` (the idle reaper keeps it so the next start does not reinstall).
   */
  release(app: AppRef, options: { keepCache?: boolean } = {}): Promise<number | undefined> {
    this.interruptStart(app);
    return this.queue.run(app.key, async () => {
      const engine = await this.deps.engine();
      const before = this.stateOf(app);
      this.update(app, { status: 'stopping' });
      try {
        for (const id of await this.containerIdsOf(engine, app)) {
          await engine.remove(id);
        }
      } catch (error) {
        // The container may still be there: keep the lease, and let the next pass tell the state.
        this.update(app, { status: before.status === 'stopping' ? 'stopped' : before.status });
        throw error;
      }
      const port = await this.deps.allocator.releasePort(app);
      this.update(app, { status: 'stopped', port: undefined, containerId: undefined, startedAt: undefined, url: undefined, error: undefined, stage: undefined });
      if (!options.keepCache) {
        await engine.removeVolume(dependencyVolumeFor(app)).catch((error: unknown) => {
          this.deps.logger.warn(`Could not remove the dependency cache of ${app.appId}: ${error instanceof Error ? error.message : String(error)}`);
        });
      }
      return port;
    });
  }

  /** Records what reality says about an app (from reconcile or engine events). */
  observe(
    app: AppRef,
    container: (Pick<ContainerDetails, 'id' | 'running' | 'labels' | 'image'> & { startedAt?: number | undefined }) | undefined,
    engine?: ContainerEngine,
  ): void {
    const current = this.stateOf(app);
    if (current.status === 'starting' || current.status === 'stopping') {
      return; // an operation in flight owns the state
    }
    if (container?.running) {
      const port = labelledPort(container.labels) ?? current.port;
      this.update(app, {
        status: 'running',
        port,
        containerId: container.id,
        image: container.image,
        startedAt: container.startedAt ?? current.startedAt,
        url: port === undefined ? undefined : this.urlFor(port, engine ?? this.lastEngine),
        error: undefined,
      });
    } else if (current.status === 'running') {
      this.update(app, { status: 'stopped', startedAt: undefined, url: undefined, containerId: container?.id });
    }
  }

  /** Sets the sticky port shown for a stopped app (from the lease table). */
  observeLease(app: AppRef, port: number | undefined): void {
    const current = this.stateOf(app);
    if (current.status === 'stopped' || current.status === 'failed') {
      if (current.port !== port) {
        this.update(app, { port });
      }
    } else if (!this.states.has(app.key)) {
      this.update(app, { port });
    }
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async runExclusive(def: AppDefinition, options: RunOptions): Promise<RunResult> {
    const app = def.ref;
    const signal = options.signal ?? new AbortController().signal;
    const progress = (stage: string): void => {
      this.update(app, { stage });
      options.onProgress?.(stage);
    };
    const name = containerNameFor(app);
    const previous = await this.deps.allocator.lease(app.key);
    const previousPort = previous?.port;
    this.update(app, { status: 'starting', stage: 'Checking the container engine…', error: undefined, port: previousPort });
    options.onProgress?.('Checking the container engine…');
    let engine: ContainerEngine | undefined;
    let touched = false;
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      engine = await this.deps.engine();
      this.lastEngine = engine;
      throwIfCancelled(signal, app);
      // One container list answers both "is this app's container there?" and "which ports does
      // the engine hold?"; the folder is read meanwhile.
      const [containers, folderInfo] = await Promise.all([
        this.listAll(engine),
        (this.deps.inspectFolder ?? inspectFolder)(app.folder),
      ]);
      // Its own name first; a container of the folder under another name (an older naming) after.
      const existing = containers.find((c) => c.name === name) ?? containers.find((c) => isContainerOf(c, app));
      const existingPort = existing ? labelledPort(existing.labels) : undefined;
      if (existing?.running && existingPort !== undefined && existing.labels[LABEL_PATH] === app.key && (previousPort === undefined || existingPort === previousPort)) {
        if (previousPort === undefined) {
          await this.deps.allocator.adopt(app, existingPort);
        }
        const url = this.urlFor(existingPort, engine);
        const startedAt = this.stateOf(app).startedAt ?? (await engine.inspect(existing.id))?.startedAt;
        this.update(app, { status: 'running', port: existingPort, containerId: existing.id, image: existing.image, startedAt, url, stage: undefined });
        return { appId: app.appId, port: existingPort, url, containerId: existing.id, alreadyRunning: true };
      }
      if (existing) {
        // A stopped (or stale) container of this app: recreate it so settings changes apply.
        await engine.remove(existing.id);
      }

      const settings = this.deps.settings();
      if (engine.host !== undefined && isLoopbackHost(settings.bindAddress)) {
        throw new RemoteEngineLoopbackError(engine.host, settings.bindAddress);
      }
      // Checked now, not at discovery: the folder may have been swapped for a symlink since.
      const sourceFolder = await (this.deps.resolveSourceFolder ?? containedAppFolder)(app);
      const hiddenSourceEntries = HIDDEN_NAMES.filter((name) => folderInfo.folders?.has(name));
      const config = resolveAppConfig(settings, def.override, folderInfo);
      this.deps.logger.info(`Starting ${app.appId}: ${config.origin}; ${unmirrored(config.command).join(' ')} on container port ${config.containerPort}.`);
      if (settings.pullPolicy === 'always') {
        await this.pull(engine, config.image, progress, signal);
      }
      throwIfCancelled(signal, app);

      touched = true;
      // While this start is in flight, keep the lease fresh so other windows' repair leaves it be.
      heartbeat = setInterval(() => void this.deps.allocator.touch(app).catch(() => undefined), HEARTBEAT_MS);
      const { id, lease } = await this.runWithPortRetry(engine, def, { ...config, sourceFolder, hiddenSourceEntries }, settings, portUsageFrom(containers), progress, signal);
      this.update(app, { containerId: id, port: lease.port, image: config.image, startedAt: this.deps.clock() });

      progress(`Waiting for the app on port ${lease.port}…`);
      await this.waitUntilReady(engine, app, id, lease.port, config, settings, signal);
      await this.deps.allocator.confirm(app);
      const url = this.urlFor(lease.port, engine);
      this.update(app, { status: 'running', url, stage: undefined });
      this.deps.logger.info(`${app.appId} is answering on ${url}`);
      return { appId: app.appId, port: lease.port, url, containerId: id, alreadyRunning: false };
    } catch (error) {
      if (touched) {
        await this.cleanUpFailedStart(engine, app, name, previous?.confirmed ? previous : undefined);
      }
      const failure = signal.aborted ? new CancelledError(`Starting ${app.appId}`) : error;
      const port = await this.deps.allocator.leaseOf(app.key).catch(() => undefined);
      this.update(app, {
        status: failure instanceof CancelledError ? 'stopped' : 'failed',
        error: failure instanceof Error ? failure.message : String(failure),
        stage: undefined,
        url: undefined,
        startedAt: undefined,
        containerId: undefined,
        port,
      });
      throw failure;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** The app's containers (see `isContainerOf`). */
  private async containerIdsOf(engine: ContainerEngine, app: AppRef): Promise<string[]> {
    return (await engine.list({ all: true, ours: true })).filter((c) => isContainerOf(c, app)).map((c) => c.id);
  }

  /** Every container, from a list that started after this call (shared by starts that asked meanwhile). */
  private listAll(engine: ContainerEngine): Promise<ContainerSummary[]> {
    let shared = this.lists.get(engine);
    if (!shared) {
      shared = new SharedList(() => engine.list({ all: true, ours: false }));
      this.lists.set(engine, shared);
    }
    return shared.next();
  }

  private async pull(engine: ContainerEngine, image: string, progress: (stage: string) => void, signal: AbortSignal): Promise<void> {
    progress(`Pulling ${image}…`);
    try {
      await engine.pull(image, (line) => this.deps.logger.debug(`pull: ${line}`), signal);
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      throw new ImagePullError(image, error instanceof EngineCommandError ? error.stderr : String(error));
    }
  }

  /**
   * `run` with the allocator's port; if the engine refuses the port anyway (another window or a
   * process outside the editor took it meanwhile), repair whatever holds it, mark it taken, and
   * try the next one — bounded. The lease follows the port actually used. `run` never pulls
   * (`--pull never`): a missing image is pulled here when the policy allows, then run again.
   */
  private async runWithPortRetry(
    engine: ContainerEngine,
    def: AppDefinition,
    config: ResolvedAppConfig & { readonly sourceFolder: string; readonly hiddenSourceEntries: readonly string[] },
    settings: Settings,
    enginePorts: ReadonlyMap<number, EnginePortUse>,
    progress: (stage: string) => void,
    signal: AbortSignal,
  ): Promise<{ id: string; lease: PortLease }> {
    const app = def.ref;
    const name = containerNameFor(app);
    const refused: number[] = [];
    let nameRetries = 0;
    let pulled = settings.pullPolicy === 'always';
    let freshView: ReadonlyMap<number, EnginePortUse> | undefined = enginePorts;
    // Bounded: a few refused ports, plus one pull and one name clash.
    for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS + 2 && refused.length < MAX_PORT_ATTEMPTS; attempt++) {
      progress(refused.length === 0 ? 'Allocating a port…' : `Port ${refused[refused.length - 1] ?? ''} is taken; trying another…`);
      const lease = await this.deps.allocator.allocatePort(app, { avoid: refused, enginePorts: freshView });
      freshView = undefined;
      this.update(app, { port: lease.port });
      throwIfCancelled(signal, app);
      progress(`Creating the container on port ${lease.port}…`);
      try {
        const id = await engine.run({
          lease,
          name,
          image: config.image,
          bindAddress: settings.bindAddress,
          containerPort: config.containerPort,
          command: config.command,
          env: config.env,
          volumes: config.volumes,
          sourceFolder: config.sourceFolder,
          hiddenSourceEntries: config.hiddenSourceEntries,
          ...(config.cacheDependencies ? { dependencyVolume: dependencyVolumeFor(app) } : {}),
        });
        return { id, lease };
      } catch (error) {
        if (error instanceof RunSpecError) {
          throw new ContainerRuntimeError(app.appId, error.message);
        }
        if (!(error instanceof EngineRunError)) {
          throw error;
        }
        // A failed run can leave a created container behind.
        await engine.remove(name).catch(() => undefined);
        switch (error.kind) {
          case 'portConflict':
            this.deps.logger.warn(`The engine refused port ${lease.port} for ${app.appId}: ${error.message}`);
            refused.push(lease.port);
            this.deps.onPortConflict?.();
            await this.repairHolderOf(engine, lease.port, settings);
            continue;
          case 'nameInUse':
            // Another window created it between our list and run: it was cleared above; try once
            // more. A name the engine keeps refusing is its problem to report, not a port's.
            if (++nameRetries > 1) {
              throw new ContainerRuntimeError(app.appId, error.message);
            }
            continue;
          case 'imageMissing':
            if (settings.pullPolicy === 'never' || pulled) {
              throw new ImageMissingError(config.image);
            }
            await this.pull(engine, config.image, progress, signal);
            pulled = true;
            continue;
          case 'runtime':
            throw new ContainerRuntimeError(app.appId, error.message);
          default:
            throw new EngineCommandError(`${engine.binary} run`, error.message, undefined);
        }
      }
    }
    throw new PortConflictError(app.appId, refused);
  }

  /**
   * Podman 4.3 drops the forwarding of the container that holds a port when another `run` fails
   * on it. Put it back and check that it answers again.
   */
  private async repairHolderOf(engine: ContainerEngine, port: number, settings: Settings): Promise<void> {
    try {
      const holders = (await engine.list({ all: false, ours: false })).filter((c) => c.running && c.ports.some((p) => p.hostPort === port));
      for (const holder of holders) {
        await engine.repairForwarding(holder.id);
        const ok = await answers(engine.host ?? reachableHost(settings.bindAddress), port);
        this.deps.logger.info(`Repaired the port forwarding of ${holder.name} on ${port}: ${ok ? 'answers again' : 'not answering HTTP (may not be an HTTP server)'}.`);
      }
    } catch (error) {
      this.deps.logger.warn(`Could not repair the holder of port ${port}: ${String(error)}`);
    }
  }

  private async waitUntilReady(
    engine: ContainerEngine,
    app: AppRef,
    id: string,
    port: number,
    config: ResolvedAppConfig,
    settings: Settings,
    outer: AbortSignal,
  ): Promise<void> {
    const done = new AbortController();
    const onOuterAbort = (): void => done.abort(new CancelledError(`Starting ${app.appId}`));
    throwIfCancelled(outer, app);
    outer.addEventListener('abort', onOuterAbort, { once: true });
    const timeoutMs = settings.startupTimeoutSeconds * 1000;
    const timer = setTimeout(() => done.abort(new Error('timeout')), timeoutMs);
    try {
      // `wait` is a whole engine CLI process; most apps answer before it would even start, so
      // spawn it a little later rather than compete with the app's own start for CPU.
      const never = new Promise<never>(() => undefined);
      // With the event stream up, a `die` event says the container exited; an engine `wait`
      // (a whole CLI process) is only the backstop for slow starts. Without it, `wait` it is.
      const live = this.deps.exits?.live() ?? false;
      const fromEvents = live && this.deps.exits ? this.deps.exits.waitForExit(id, done.signal) : never;
      const fromWait = delay(live ? WAIT_BACKSTOP_DELAY_MS : WAIT_SPAWN_DELAY_MS, done.signal).then(() => (done.signal.aborted ? never : engine.wait(id, done.signal)));
      const exited = Promise.race([fromEvents, fromWait])
        // A watch cut short by our own abort says nothing about the container.
        .then((code) => (done.signal.aborted ? never : { exited: true as const, code }));
      const ready = waitForHttp(engine.host ?? reachableHost(settings.bindAddress), port, done.signal).then(() => ({ exited: false as const, code: undefined }));
      const outcome = await Promise.race([ready, exited]).catch((error: unknown) => {
        if (outer.aborted) {
          throw new CancelledError(`Starting ${app.appId}`);
        }
        if (done.signal.reason instanceof Error && done.signal.reason.message === 'timeout') {
          return { exited: false as const, code: undefined, timedOut: true };
        }
        throw error;
      });
      if ('timedOut' in outcome) {
        const logs = await engine.logs(id, LOG_TAIL);
        throw new AppStartError(app.appId, `it did not answer HTTP on port ${port} within ${settings.startupTimeoutSeconds} s (previewContainers.startupTimeoutSeconds).`, logs);
      }
      if (outcome.exited) {
        const logs = await engine.logs(id, LOG_TAIL);
        const details = await engine.inspect(id).catch(() => undefined);
        const reason = details?.error ?? `its command (${describeCommand(config.command)}) exited with code ${outcome.code ?? details?.exitCode ?? '?'} before answering HTTP.`;
        throw new AppStartError(app.appId, reason, logs);
      }
    } finally {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
      done.abort(new Error('finished'));
    }
  }

  /**
   * Nothing half-started: the container goes; so does a lease made for this start, unless the app
   * had run before (`sticky`): then it keeps the port it ran on, even if this start had moved it.
   */
  private async cleanUpFailedStart(engine: ContainerEngine | undefined, app: AppRef, name: string, sticky: Lease | undefined): Promise<void> {
    if (!engine) {
      return;
    }
    await engine.remove(name).catch((error: unknown) => this.deps.logger.warn(`Could not remove ${name} after a failed start: ${String(error)}`));
    const settle = sticky ? this.deps.allocator.restore(sticky) : this.deps.allocator.releasePort(app);
    await settle.catch((error: unknown) => this.deps.logger.warn(`Could not settle the port of ${app.appId}: ${String(error)}`));
  }

  /** Where the app answers: the engine's machine (remote connections) or this one. */
  private urlFor(port: number, engine?: ContainerEngine): string {
    return `http://${urlHost(engine?.host ?? reachableHost(this.deps.settings().bindAddress))}:${port}/`;
  }

  private initialState(app: AppRef): AppState {
    return {
      app,
      status: 'stopped',
      port: undefined,
      containerName: containerNameFor(app),
      containerId: undefined,
      image: undefined,
      startedAt: undefined,
      stage: undefined,
      error: undefined,
      url: undefined,
    };
  }

  private update(app: AppRef, patch: Partial<Omit<AppState, 'app' | 'containerName'>>): void {
    const previous = this.states.get(app.key);
    const next: AppState = { ...this.stateOf(app), ...patch, app };
    this.states.set(app.key, next);
    // Observe passes re-announce every app; only real changes repaint the tree.
    if (!previous || !sameState(previous, next)) {
      this.changed.fire(next);
    }
  }
}

/** A container of this app: by its name, or by our folder label (an older naming, a duplicate). */
function isContainerOf(container: ContainerSummary, app: AppRef): boolean {
  return container.name === containerNameFor(app) || (isOurs(container.labels) && container.labels[LABEL_PATH] === app.key);
}

function sameState(a: AppState, b: AppState): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof AppState)[]);
  return [...keys].every((key) => Object.is(a[key], b[key]));
}

/**
 * Starts asked for together (20 apps at once, previews restored after a reload) share one engine
 * list instead of one CLI process each. Freshness is unchanged: a caller only ever joins a list
 * that has not started yet, so what it sees was listed after it asked.
 */
class SharedList {
  private pending: Promise<ContainerSummary[]> | undefined;

  constructor(private readonly list: () => Promise<ContainerSummary[]>) {}

  next(): Promise<ContainerSummary[]> {
    this.pending ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.pending = undefined;
      return this.list();
    });
    return this.pending;
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

function describeCommand(mirroredCommand: readonly string[]): string {
  const command = unmirrored(mirroredCommand);
  // `sh -c <install script> sh <command…>`: show the command the app runs, after the install.
  const installs = command[0] === 'sh' && command[1] === '-c' && command[3] === 'sh';
  const shown = installs ? `install dependencies, then ${command.slice(4).join(' ')}` : command.join(' ');
  return shown.length > 100 ? `${shown.slice(0, 100)}…` : shown || 'the image default';
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function throwIfCancelled(signal: AbortSignal, app: AppRef): void {
  if (signal.aborted) {
    throw new CancelledError(`Starting ${app.appId}`);
  }
}

export function isUserFacing(error: unknown): error is PreviewContainersError {
  return error instanceof PreviewContainersError;
}
