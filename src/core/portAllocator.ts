import type { AppRef } from './appIdentity';
import { LazyEngineView, type EnginePortUsage, type EnginePortUse } from './engine/portUsage';
import { LockLostError, PoolExhaustedError } from './errors';
import { noInterProcessLock, type InterProcessLock } from './interProcessLock';
import type { IdlePolicy, Lease, LeaseChange, LeaseSnapshot, LeaseStore } from './leaseStore';
import type { Clock, Logger } from './logger';
import { describeAllocations, holdersOf, type Allocations } from './poolView';
import { inRange, type PortRange } from './portRange';
import type { PortProbe } from './portProbe';
import { SerialQueue } from './serialQueue';

export type { AllocationEntry, Allocations } from './poolView';

const issued: unique symbol = Symbol('PortLease');

/**
 * Proof that the allocator handed `port` to `app`. Only this module can make one (the token is
 * private), and the container engine's `run` takes a PortLease, not a number: no code path can
 * start a container on a port the allocator did not give out.
 */
export class PortLease {
  constructor(
    token: typeof issued,
    readonly app: AppRef,
    readonly port: number,
  ) {
    if (token !== issued) {
      throw new TypeError('PortLease can only be issued by the PortAllocator');
    }
  }
}

export interface AllocateOptions {
  /** Ports to skip this time, e.g. ones the engine just refused. */
  readonly avoid?: Iterable<number>;
  /** A fresh engine view the caller already has (saves asking the engine again). */
  readonly enginePorts?: ReadonlyMap<number, EnginePortUse>;
}

export interface PortAllocatorDeps {
  readonly store: LeaseStore;
  readonly probe: PortProbe;
  /** Read on every call: the range follows the settings. Throws SettingsError when invalid. */
  readonly range: () => PortRange;
  readonly engine?: EnginePortUsage;
  readonly lock?: InterProcessLock;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The idle policy of this window, recorded on the leases of its apps (other windows follow it). */
  readonly idlePolicy?: () => IdlePolicy;
}

/** A stalled window taken over retries its critical section this often before giving up. */
const LOCK_ATTEMPTS = 3;

/** The one place that decides which host port an app gets. */
export class PortAllocator {
  private readonly queue = new SerialQueue();
  private readonly lock: InterProcessLock;

  constructor(private readonly deps: PortAllocatorDeps) {
    this.lock = deps.lock ?? noInterProcessLock;
  }

  /**
   * Sticky: an app holding a valid lease gets its port back; otherwise the lowest port that is
   * not leased to another app, not used by the engine, and bindable right now.
   */
  allocatePort(app: AppRef, options: AllocateOptions = {}): Promise<PortLease> {
    const range = this.deps.range();
    const avoid = new Set(options.avoid ?? []);
    return this.exclusive(async (snapshot) => {
      const { table } = snapshot;
      const engineUse = new LazyEngineView(this.deps.engine, options.enginePorts);
      const held = table.get(app.key);
      if (held && (await this.stillUsable(held.port, app, snapshot, range, avoid, engineUse))) {
        // A start is use: the expiry clock starts again, and the owner's policy is current.
        await this.commit(snapshot, { ...held, ...this.ownerOf(app), lastUsedAt: this.deps.clock() });
        return new PortLease(issued, app, held.port);
      }
      if (held) {
        this.deps.logger.info(`Port ${held.port} of ${app.appId} is no longer usable; choosing another.`);
      }
      for (let port = table.nextUnleased(range.start, range.end); port !== undefined; port = table.nextUnleased(port + 1, range.end)) {
        if (avoid.has(port)) {
          continue;
        }
        const use = await engineUse.useOf(port);
        if ((use && (use.ownerKey !== app.key || use.publishing)) || !(await this.deps.probe.isFree(port))) {
          continue;
        }
        const now = this.deps.clock();
        await this.commit(snapshot, { key: app.key, port, allocatedAt: now, confirmed: false, lastUsedAt: now, ...this.ownerOf(app) });
        this.deps.logger.info(`Allocated port ${port} to ${app.appId}.`);
        return new PortLease(issued, app, port);
      }
      throw new PoolExhaustedError(range.start, range.end, holdersOf(table, range));
    });
  }

  /**
   * The app's own sticky port when nothing can hold it now: a confirmed lease in the range, leased
   * to no other app, and bindable. A running container's published port never passes the bind
   * probe (conmon, rootlessport and docker-proxy hold it), which is what lets a start skip listing
   * the engine. No lock: `allocatePort` decides again under it.
   */
  async freeStickyPort(app: AppRef): Promise<number | undefined> {
    const table = await this.deps.store.load();
    const held = table.get(app.key);
    if (!held?.confirmed || !inRange(this.deps.range(), held.port) || table.leasedToOther(held.port, app.key)) {
      return undefined;
    }
    return (await this.deps.probe.isFree(held.port)) ? held.port : undefined;
  }

  /** Forgets the app's lease. Returns the port it held, if any. */
  releasePort(app: Pick<AppRef, 'key' | 'appId'>): Promise<number | undefined> {
    return this.releaseIf(app.key, () => true);
  }

  /** Forgets a lease only if `still` says so of it as it is now (under the lock). */
  releaseIf(key: string, still: (lease: Lease) => boolean): Promise<number | undefined> {
    return this.exclusive(async (snapshot) => {
      const held = snapshot.table.get(key);
      if (!held || !still(held)) {
        return undefined;
      }
      await this.commit(snapshot, { ...held, port: null });
      this.deps.logger.info(`Released port ${held.port} of ${held.appId}.`);
      return held.port;
    });
  }

  /** The port leased to one app, if it holds one (no probing). */
  async leaseOf(appKey: string): Promise<number | undefined> {
    return (await this.deps.store.load()).get(appKey)?.port;
  }

  /** The whole lease record of one app. */
  async lease(appKey: string): Promise<Lease | undefined> {
    return (await this.deps.store.load()).get(appKey);
  }

  /**
   * Records a lease that reality proves (a running container of ours, labelled with its port),
   * e.g. after globalState was lost. Refuses to evict another app's lease.
   */
  adopt(app: AppRef, port: number): Promise<boolean> {
    return this.exclusive(async (snapshot) => {
      const current = snapshot.table.get(app.key);
      const now = this.deps.clock();
      if (current?.port === port) {
        if (!current.confirmed) {
          // A start whose window died after `run`: its running container proves the lease.
          await this.commit(snapshot, { ...current, confirmed: true, lastUsedAt: now });
          this.deps.logger.info(`Confirmed port ${port} of ${app.appId} from its running container.`);
        }
        return true;
      }
      if (snapshot.table.leasedToOther(port, app.key)) {
        return false;
      }
      await this.commit(snapshot, { key: app.key, port, allocatedAt: current?.allocatedAt ?? now, confirmed: true, lastUsedAt: now, ...this.ownerOf(app) });
      this.deps.logger.info(`Adopted port ${port} for ${app.appId} from a running container.`);
      return true;
    });
  }

  /**
   * Puts back an app's earlier lease (a start that moved it failed: the app keeps the port it ran
   * on). Refuses, returning false, if another app leases that port meanwhile.
   */
  restore(previous: Lease): Promise<boolean> {
    return this.exclusive(async (snapshot) => {
      if (snapshot.table.get(previous.key)?.port === previous.port) {
        return true;
      }
      if (snapshot.table.leasedToOther(previous.port, previous.key)) {
        return false;
      }
      await this.commit(snapshot, previous);
      this.deps.logger.info(`Port ${previous.port} of ${previous.appId} restored after a failed start elsewhere.`);
      return true;
    });
  }

  /** Marks the lease as proven (the app ran on it): from now on it is a sticky reservation. */
  confirm(app: Pick<AppRef, 'key'>): Promise<void> {
    return this.patch([app.key], (lease) => (lease.confirmed ? undefined : { ...lease, confirmed: true }));
  }

  /** Refreshes `updatedAt`: a start in flight shows other windows that it is alive. */
  touch(app: Pick<AppRef, 'key'>): Promise<void> {
    return this.patch([app.key], (lease) => lease);
  }

  /** Records use of the app where every window sees it (the shared lease table). */
  markActive(app: Pick<AppRef, 'key'>, at: number): Promise<void> {
    return this.patch([app.key], (lease) => ((lease.lastActiveAt ?? 0) >= at ? undefined : { ...lease, lastActiveAt: at, lastUsedAt: Math.max(at, lease.lastUsedAt ?? 0) }));
  }

  /** Records that the apps were in use at `at` (seen running, just stopped): their expiry clock restarts. */
  markUsed(keys: readonly string[], at: number): Promise<void> {
    return this.patch(keys, (lease) => ((lease.lastUsedAt ?? 0) >= at ? undefined : { ...lease, lastUsedAt: at }));
  }

  /** Brings this window's apps' leases up to date with its idle policy and workspace (settings change). */
  async recordOwners(apps: readonly AppRef[]): Promise<void> {
    const byKey = new Map(apps.map((a) => [a.key, a]));
    const outdated = (lease: Lease): Lease | undefined => {
      const owner = this.ownerOf(byKey.get(lease.key)!);
      const same = lease.workspace === owner.workspace && lease.idle?.timeoutMinutes === owner.idle?.timeoutMinutes && lease.idle?.releasePort === owner.idle?.releasePort;
      return same ? undefined : { ...lease, ...owner };
    };
    // Checked without the lock first: this runs at every reconcile pass and nearly never writes.
    const table = await this.deps.store.load();
    const keys = [...byKey.keys()].filter((key) => table.has(key) && outdated(table.get(key)!));
    if (keys.length > 0) {
      await this.patch(keys, outdated);
    }
  }

  /** Every lease, as the shared table says now. */
  async leases(): Promise<Lease[]> {
    return [...(await this.deps.store.load()).values()];
  }

  /** The pool: every lease with its app, folder, workspace, last use and whether it runs. */
  async listAllocations(ownKeys: ReadonlySet<string> = new Set()): Promise<Allocations> {
    const range = this.deps.range();
    const table = await this.deps.store.load();
    const usage = await this.deps.engine?.portsInUse().catch(() => undefined);
    return describeAllocations(table, range, { usage, ownKeys });
  }

  /** Writes what is committed but not yet in globalState (before the host closes). */
  flush(): Promise<void> {
    return this.deps.store.flush();
  }

  private ownerOf(app: Pick<AppRef, 'appId' | 'root'>): Pick<Lease, 'appId' | 'workspace' | 'idle'> {
    const idle = this.deps.idlePolicy?.();
    return { appId: app.appId, workspace: app.root, ...(idle ? { idle } : {}) };
  }

  private patch(keys: readonly string[], change: (lease: Lease) => Lease | undefined): Promise<void> {
    return this.exclusive(async (snapshot) => {
      const changes: Omit<LeaseChange, 'updatedAt'>[] = [];
      for (const key of keys) {
        const lease = snapshot.table.get(key);
        const next = lease ? change(lease) : undefined;
        if (next) {
          changes.push(next);
        }
      }
      await this.commit(snapshot, ...changes);
    });
  }

  private exclusive<T>(task: (snapshot: LeaseSnapshot) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.lock.withLock(async () => task(await this.deps.store.read()));
        } catch (error) {
          if (!(error instanceof LockLostError) || attempt >= LOCK_ATTEMPTS) {
            throw error;
          }
          this.deps.logger.warn(`${error.message} Taking the lock again (attempt ${attempt + 1} of ${LOCK_ATTEMPTS}).`);
        }
      }
    });
  }

  /** Records changes decided on `snapshot`, each stamped later than the record it replaces. */
  private commit(snapshot: LeaseSnapshot, ...changes: Omit<LeaseChange, 'updatedAt'>[]): Promise<void> {
    const now = this.deps.clock();
    const stamped = changes.map((change) => ({ ...change, updatedAt: Math.max(now, (snapshot.table.get(change.key)?.updatedAt ?? 0) + 1) }));
    return this.deps.store.commit(stamped, snapshot.basis);
  }

  private async stillUsable(port: number, app: AppRef, snapshot: LeaseSnapshot, range: PortRange, avoid: ReadonlySet<number>, engineUse: LazyEngineView): Promise<boolean> {
    if (!inRange(range, port) || avoid.has(port) || snapshot.table.leasedToOther(port, app.key)) {
      return false;
    }
    const use = await engineUse.useOf(port);
    if (use && use.ownerKey !== app.key) {
      return false;
    }
    // Our own running container holds it: still ours, and a bind probe would only see itself.
    return use?.publishing === true || this.deps.probe.isFree(port);
  }
}
