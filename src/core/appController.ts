import type { AppRef } from './appIdentity';
import { appVolumesFor } from './buildCache';
import { inspectFolder, type AppDefinition, type FolderInfo } from './appFolder';
import { AppStateStore, type AppState } from './appStates';
import { BuildLogs } from './buildLogs';
import type { ExitWatch } from './containerExits';
import { containedAppFolder } from './containment';
import type { EventLike } from './emitter';
import type { ContainerEngine } from './engine/containerEngine';
import { labelledPort, LABEL_BUILD_HASH } from './engine/labels';
import { SharedContainerLists } from './engine/sharedList';
import type { ContainerDetails } from './engine/types';
import { PreviewContainersError } from './errors';
import type { Clock, Logger } from './logger';
import type { PortAllocator } from './portAllocator';
import { isLoopbackHost, reachableHost } from './readiness';
import type { Settings } from './settings';
import { KeyedSerialQueue } from './serialQueue';
import { isContainerOf, StartAttempt, type RunResult, type StartDeps } from './start/startAttempt';
import { StartPacing } from './start/startPacing';
import { containedReads, findWorkspaceMembership } from './workspaceMembership';

export type { AppState, AppStatus } from './appStates';
export type { RunResult } from './start/startAttempt';

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string) => void;
  /** The app visibly listens where the published port cannot reach it: the message, and the port it does use (when switching to it would help). */
  readonly onDiagnosis?: (message: string, usablePort: number | undefined) => void;
  /** Rebuild App Container: a Dockerfile app's image is built again without the layer cache. */
  readonly forceBuild?: boolean;
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
  /** On a full pool: releases the leases the next reconcile pass would (deleted folders, expired); returns how many. */
  readonly reclaimPool?: () => Promise<number>;
}

/**
 * The only code that starts containers. Every start goes through the allocator (the engine's `run`
 * takes a PortLease, which only the allocator can issue), per app one operation at a time; each
 * start is a StartAttempt (src/core/start/). Stop and release interrupt a start in progress.
 */
export class AppController {
  private readonly states = new AppStateStore();
  private readonly queue = new KeyedSerialQueue();
  /** The start in progress per app key, so that stop and release can interrupt it. */
  private readonly starts = new Map<string, AbortController>();
  private readonly lists = new SharedContainerLists();
  private readonly startDeps: StartDeps;
  /** The engine of the latest operation, for URLs of apps observed by reconcile. */
  private lastEngine: ContainerEngine | undefined;
  readonly onDidChangeState: EventLike<AppState> = this.states.onDidChange;
  /** The output of the apps' image builds (Dockerfile apps): the app's log shows it. */
  readonly buildLogs = new BuildLogs();

  constructor(private readonly deps: AppControllerDeps) {
    this.startDeps = {
      allocator: deps.allocator,
      logger: deps.logger,
      clock: deps.clock,
      exits: deps.exits,
      onPortConflict: deps.onPortConflict,
      reclaimPool: deps.reclaimPool,
      inspectFolder: deps.inspectFolder ?? inspectFolder,
      resolveSourceFolder: deps.resolveSourceFolder ?? containedAppFolder,
      findMembership: (app, folder) => findWorkspaceMembership(app.folder, app.root, folder.files, containedReads),
      listAll: (engine) => this.lists.next(engine),
      update: (app, patch) => void this.states.update(app, patch),
      startedAtOf: (app) => this.states.get(app).startedAt,
      knownContainerOf: (app) => {
        const { containerId, status } = this.states.get(app);
        return containerId === undefined ? undefined : { id: containerId, stopped: status === 'stopped' || status === 'failed' };
      },
      urlFor: (port, engine) => this.urlFor(port, engine),
      buildLogs: this.buildLogs,
      pacing: new StartPacing(),
    };
  }

  stateOf(app: AppRef): AppState {
    return this.states.get(app);
  }

  allStates(): AppState[] {
    return this.states.all();
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
        const attempt = new StartAttempt(this.startDeps, {
          engine: () => this.engine(),
          definition: def,
          settings: this.deps.settings(),
          signal: options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal,
          onProgress: options.onProgress,
          onDiagnosis: options.onDiagnosis,
          forceBuild: options.forceBuild ?? false,
        });
        return await attempt.run();
      } finally {
        if (this.starts.get(def.ref.key) === own) {
          this.starts.delete(def.ref.key);
        }
      }
    });
  }

  /** Stops the container and keeps the lease: the next run gets the same port. */
  stop(app: AppRef): Promise<void> {
    this.interruptStart(app);
    return this.queue.run(app.key, async () => {
      const engine = await this.engine();
      this.states.update(app, { status: 'stopping', stage: undefined });
      try {
        for (const id of await this.containerIdsOf(engine, app)) {
          await engine.stop(id);
        }
        // It was in use until now: the expiry clock starts here.
        await this.deps.allocator.markUsed([app.key], this.deps.clock());
      } finally {
        const port = await this.deps.allocator.leaseOf(app.key);
        this.states.update(app, { status: 'stopped', port, startedAt: undefined, url: undefined, stage: undefined, error: undefined });
      }
      this.deps.logger.info(`Stopped ${app.appId} (port ${this.states.get(app).port ?? '-'} kept).`);
    });
  }

  /** Stop, then run again on the same port. */
  async restart(def: AppDefinition, options: RunOptions = {}): Promise<RunResult> {
    await this.stop(def.ref);
    return this.run(def, options);
  }

  /**
   * Rebuild App Container: stop (the lease stays), build the image again without the layer cache
   * (a Node app just restarts), run on the same port.
   */
  async rebuild(def: AppDefinition, options: RunOptions = {}): Promise<RunResult> {
    await this.stop(def.ref);
    return this.run(def, { ...options, forceBuild: true });
  }

  /**
   * Removes the container and forgets the lease. The dependency and build caches go too, unless
   * `keepCache` (the idle reaper keeps them so the next start does not reinstall or rebuild).
   */
  release(app: AppRef, options: { keepCache?: boolean } = {}): Promise<number | undefined> {
    this.interruptStart(app);
    return this.queue.run(app.key, async () => {
      const engine = await this.engine();
      const before = this.states.get(app);
      this.states.update(app, { status: 'stopping' });
      try {
        for (const id of await this.containerIdsOf(engine, app)) {
          await engine.remove(id);
        }
      } catch (error) {
        // The container may still be there: keep the lease, and let the next pass tell the state.
        this.states.update(app, { status: before.status === 'stopping' ? 'stopped' : before.status });
        throw error;
      }
      const port = await this.deps.allocator.releasePort(app);
      this.states.update(app, { status: 'stopped', port: undefined, containerId: undefined, startedAt: undefined, url: undefined, error: undefined, stage: undefined });
      if (!options.keepCache) {
        await engine.removeVolumes(appVolumesFor(app)).catch((error: unknown) => {
          this.deps.logger.warn(`Could not remove the dependency and build caches of ${app.appId}: ${error instanceof Error ? error.message : String(error)}`);
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
    const current = this.states.get(app);
    if (current.status === 'starting' || current.status === 'stopping') {
      return; // an operation in flight owns the state
    }
    if (container?.running) {
      const port = labelledPort(container.labels) ?? current.port;
      const from = engine ?? this.lastEngine;
      this.states.update(app, {
        status: 'running',
        port,
        containerId: container.id,
        image: container.image,
        buildHash: container.labels[LABEL_BUILD_HASH],
        startedAt: container.startedAt ?? current.startedAt,
        url: port === undefined ? undefined : this.urlFor(port, from),
        error: undefined,
      });
    } else if (current.status === 'running') {
      this.states.update(app, { status: 'stopped', startedAt: undefined, url: undefined, containerId: container?.id });
    }
  }

  /** Sets the sticky port shown for a stopped app (from the lease table). */
  observeLease(app: AppRef, port: number | undefined): void {
    const current = this.states.get(app);
    if (current.status === 'stopped' || current.status === 'failed') {
      if (current.port !== port) {
        this.states.update(app, { port });
      }
    } else if (!this.states.has(app)) {
      this.states.update(app, { port });
    }
  }

  dispose(): void {
    this.states.dispose();
    this.buildLogs.dispose();
  }

  /**
   * Stop and release interrupt a start in progress instead of waiting behind it (it can take up to
   * the startup timeout); the start cleans up after itself as a cancelled one does.
   */
  private interruptStart(app: AppRef): void {
    this.starts.get(app.key)?.abort();
  }

  private async engine(): Promise<ContainerEngine> {
    const engine = await this.deps.engine();
    this.lastEngine = engine;
    return engine;
  }

  /** The app's containers (see `isContainerOf`). */
  private async containerIdsOf(engine: ContainerEngine, app: AppRef): Promise<string[]> {
    return (await engine.list({ all: true, ours: true })).filter((c) => isContainerOf(c, app)).map((c) => c.id);
  }

  /**
   * Where the app answers: the engine's machine (remote connections) or this one. On this
   * machine's loopback the URL says `localhost`, not `127.0.0.1`: dev servers that check the
   * origin of their hot-reload socket (Next.js) accept `localhost` and refuse a bare IP.
   */
  private urlFor(port: number, engine?: ContainerEngine): string {
    const host = engine?.host ?? reachableHost(this.deps.settings().bindAddress);
    const shown = engine?.host === undefined && isLoopbackHost(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${port}/`;
  }
}

export function isUserFacing(error: unknown): error is PreviewContainersError {
  return error instanceof PreviewContainersError;
}
