import type { AppRef } from './appIdentity';
import type { FolderInfo } from './appFolder';
import { AppController } from './appController';
import { ContainerExits, type ExitWatch } from './containerExits';
import { Emitter, type EventLike } from './emitter';
import type { ContainerEngine } from './engine/containerEngine';
import { detectEngine } from './engine/detectEngine';
import { EngineProvider } from './engine/engineProvider';
import type { Exec, ExecStream } from './engine/exec';
import { CachedPortUsage, type EnginePortUsage } from './engine/portUsage';
import type { EngineEvent } from './engine/types';
import { EventFollower } from './eventFollower';
import { FileLeaseJournal } from './fileLeaseJournal';
import { IdleReaper } from './idleReaper';
import { FileLock } from './interProcessLock';
import { LeaseStore } from './leaseStore';
import type { Clock, Logger } from './logger';
import type { MementoLike } from './memento';
import { PoolJanitor, type PoolCleanup } from './poolJanitor';
import { PortAllocator } from './portAllocator';
import { probeFor, type PortProbe } from './portProbe';
import { DEFAULT_RECONCILER_OPTIONS, Reconciler, type ReconcilerOptions } from './reconciler';
import type { Settings } from './settings';
import { VisiblePreviews } from './visiblePreviews';

/**
 * What the host gives the core: storage, settings, time, a log and the way to run programs. The
 * extension passes VS Code's pieces; tests, the reliability windows and the bench pass their own —
 * all of them get the same composition (`createCore`), so no test exercises a wiring the product
 * does not use.
 */
export interface CoreHost {
  /** Where leases live (globalState). */
  readonly memento: MementoLike;
  /** The global storage folder: the cross-window lock and lease journal. Without it, one process only. */
  readonly storageDir?: string;
  /** Current settings, validated (throws a SettingsError naming the bad one). */
  readonly settings: () => Settings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How engine CLIs run (argv arrays). */
  readonly exec: Exec;
  readonly stream: ExecStream;
  /** This window's apps. */
  readonly apps: () => readonly AppRef[];
  /** Whether the engine may be touched at all (workspace trust). Default: always. */
  readonly engineAllowed?: () => boolean;
  /** Asks the user, shortly before an idle stop, whether to keep the app (true: "Keep running"). */
  readonly warnIdle?: (app: AppRef, stopsInMs: number) => Promise<boolean>;
  /** Test seams. */
  readonly detectEngine?: () => Promise<ContainerEngine>;
  /** An engine provider of the caller's (it re-detects when told to); replaces `detectEngine`. */
  readonly engines?: EngineProvider;
  readonly probe?: PortProbe;
  /** Replaces the engine's port view (null: none, the allocator then trusts probes and leases only). */
  readonly engineUsage?: EnginePortUsage | null;
  readonly inspectFolder?: (folder: string) => Promise<FolderInfo>;
  readonly resolveSourceFolder?: (app: AppRef) => Promise<string>;
  readonly reconcilerOptions?: Partial<ReconcilerOptions>;
  /** Exit notices from the event stream for starts (default true; false: `engine wait` only). */
  readonly exitsFromEvents?: boolean;
  /** Replaces where starts learn that their container exited (default: the event stream's notices). */
  readonly exitWatch?: ExitWatch;
  /** Whether an app folder exists (default: the file system; the fake worlds' folders are not on disk). */
  readonly folderExists?: (folder: string) => Promise<boolean>;
  /** The inter-process lock's stale time (default LOCK_STALE_MS; tests of a stalled holder shorten it). */
  readonly lockStaleMs?: number;
}

export interface Core {
  readonly engines: EngineProvider;
  readonly portUsage: CachedPortUsage | undefined;
  readonly allocator: PortAllocator;
  readonly controller: AppController;
  readonly reconciler: Reconciler;
  readonly reaper: IdleReaper;
  readonly janitor: PoolJanitor;
  /** "Release Unused Ports": leases of deleted folders, expired and abandoned ones, released now; and what is left. */
  releaseUnused(): Promise<PoolCleanup>;
  readonly follower: EventFollower;
  readonly exits: ContainerExits;
  /** Which previews are visible (the UI reports; the reaper never stops those apps). */
  readonly visiblePreviews: VisiblePreviews;
  /** Debounced batches of our containers' events. */
  readonly onEngineEvents: EventLike<readonly EngineEvent[]>;
  /** The event stream reconnected: events may have been missed. */
  readonly onEventStreamReconnect: EventLike<void>;
  /** The event stream could not be (re)started: the engine may be down. */
  readonly onEventStreamError: EventLike<unknown>;
  dispose(): Promise<void>;
}

/** Builds the core object graph from the host's pieces. Starts nothing: the caller starts the follower. */
export function createCore(host: CoreHost): Core {
  const { logger, clock } = host;
  const engines = host.engines ?? new EngineProvider(host.detectEngine ?? (() => detectFromSettings(host)), host.engineAllowed);
  const engine = (): Promise<ContainerEngine> => engines.get();
  const portUsage = host.engineUsage === undefined ? new CachedPortUsage(engine, clock) : undefined;
  const allocator = createAllocator(host, engines, portUsage);
  const stream = createEventStream(host, engine);
  const janitor = new PoolJanitor({
    allocator,
    engine,
    expiryDays: () => host.settings().leaseExpiryDays,
    clock,
    logger,
    freshLeaseMs: { ...DEFAULT_RECONCILER_OPTIONS, ...host.reconcilerOptions }.freshLeaseMs,
    ...(host.folderExists ? { folderExists: host.folderExists } : {}),
  });
  const controller = new AppController({
    allocator,
    engine,
    settings: host.settings,
    logger,
    clock,
    onPortConflict: () => portUsage?.invalidate(),
    reclaimPool: async () => (await janitor.collect(await allocator.leases(), await (await engine()).list({ all: true, ours: true }), { abandoned: false })).length,
    exits: host.exitWatch ?? stream.exits,
    ...(host.inspectFolder ? { inspectFolder: host.inspectFolder } : {}),
    ...(host.resolveSourceFolder ? { resolveSourceFolder: host.resolveSourceFolder } : {}),
  });
  const reconciler = new Reconciler({ controller, allocator, engine, apps: host.apps, logger, clock, janitor, ...(host.reconcilerOptions ? { options: host.reconcilerOptions } : {}) });
  const visiblePreviews = new VisiblePreviews();
  const reaper = new IdleReaper({
    controller,
    allocator,
    engine,
    apps: host.apps,
    visibleAppKeys: () => visiblePreviews.keys(),
    settings: host.settings,
    clock,
    logger,
    warn: host.warnIdle ?? (() => Promise.resolve(false)),
  });
  return {
    engines,
    portUsage,
    allocator,
    controller,
    reconciler,
    reaper,
    janitor,
    releaseUnused: () => janitor.releaseUnused(host.settings().portRange),
    follower: stream.follower,
    exits: stream.exits,
    visiblePreviews,
    onEngineEvents: stream.events.event,
    onEventStreamReconnect: stream.reconnects.event,
    onEventStreamError: stream.errors.event,
    async dispose() {
      await stream.follower.stop();
      await allocator.flush();
      controller.dispose();
      stream.dispose();
    },
  };
}

function detectFromSettings(host: CoreHost): Promise<ContainerEngine> {
  const settings = host.settings();
  return detectEngine({ choice: settings.engine, enginePath: settings.enginePath, connection: settings.engineConnection, exec: host.exec, stream: host.stream, logger: host.logger });
}

function createAllocator(host: CoreHost, engines: EngineProvider, portUsage: CachedPortUsage | undefined): PortAllocator {
  const { logger, clock } = host;
  const lock = host.storageDir === undefined ? undefined : new FileLock(host.storageDir, logger, host.lockStaleMs);
  const journal = host.storageDir === undefined ? undefined : new FileLeaseJournal(host.storageDir, clock, logger);
  return new PortAllocator({
    // Every write first checks that this window still holds the lock (a stalled one may not).
    store: new LeaseStore(host.memento, logger, journal, lock ? { fence: () => lock.verifyHeld() } : {}),
    ...(lock ? { lock } : {}),
    // Built per probe so a changed bind address or engine connection applies at once. A remote
    // engine's host cannot be bound from here, so its ports are probed by connecting to them.
    probe: host.probe ?? { isFree: (port) => probeFor(engines.current?.host, host.settings().bindAddress).isFree(port) },
    range: () => host.settings().portRange,
    ...(host.engineUsage === null ? {} : { engine: host.engineUsage ?? portUsage }),
    clock,
    logger,
    idlePolicy: () => {
      const settings = host.settings();
      return { timeoutMinutes: settings.idleTimeoutMinutes, releasePort: settings.releasePortOnIdle };
    },
  });
}

/** The engine's event stream, with what it tells: batches, reconnects, errors, and exit notices for starts. */
function createEventStream(host: CoreHost, engine: () => Promise<ContainerEngine>) {
  const events = new Emitter<readonly EngineEvent[]>();
  const reconnects = new Emitter<void>();
  const errors = new Emitter<unknown>();
  const follower = new EventFollower({
    engine,
    onEvents: (batch) => events.fire(batch),
    // Exit notices for starts in flight come from the stream's `die` events (exits is built next).
    onEachEvent: (event) => exits.onEvent(event),
    onReconnect: () => reconnects.fire(),
    onStreamError: (error) => errors.fire(error),
    logger: host.logger,
  });
  const exits = new ContainerExits(() => (host.exitsFromEvents ?? true) && follower.connected, host.clock);
  const dispose = (): void => {
    events.dispose();
    reconnects.dispose();
    errors.dispose();
  };
  return { events, reconnects, errors, follower, exits, dispose };
}
