import type { PortAllocation, PortAllocations } from '../api';
import type { AppRef } from './appIdentity';
import type { EnginePortUsage, EnginePortUse } from './engine/portUsage';
import { PoolExhaustedError, type PortHolder } from './errors';
import { noInterProcessLock, type InterProcessLock } from './interProcessLock';
import type { Lease, LeaseChange, LeaseStore, LeaseTable } from './leaseStore';
import type { Clock, Logger } from './logger';
import { inRange, type PortRange } from './portRange';
import type { PortProbe } from './portProbe';
import { SerialQueue } from './serialQueue';

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

/** One lease as "Show Port Allocations" and the public API list it (src/api.ts). */
export type AllocationEntry = PortAllocation;

/** The pool as the public API reports it, plus the leases kept from an earlier range. */
export interface Allocations extends PortAllocations {
  readonly allocated: AllocationEntry[];
  /** Leases kept from an earlier, different port range; they move on the app's next run. */
  readonly outsideRange: AllocationEntry[];
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
}

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
    return this.exclusive(async () => {
      const table = await this.deps.store.load();
      const engineUse = new LazyEngineView(this.deps.engine, options.enginePorts);
      const held = table.get(app.key);
      if (held && (await this.stillUsable(held.port, app, table, range, avoid, engineUse))) {
        if (held.appId !== app.appId) {
          await this.write(table, { ...held, appId: app.appId, updatedAt: this.deps.clock() });
        }
        return new PortLease(issued, app, held.port);
      }
      if (held) {
        this.deps.logger.info(`Port ${held.port} of ${app.appId} is no longer usable; choosing another.`);
      }
      for (let port = range.start; port <= range.end; port++) {
        if (table.leasedToOther(port, app.key) || avoid.has(port)) {
          continue;
        }
        const use = await engineUse.useOf(port);
        if (use && (use.ownerKey !== app.key || use.publishing)) {
          continue;
        }
        if (!(await this.deps.probe.isFree(port))) {
          continue;
        }
        const now = this.deps.clock();
        await this.write(table, { key: app.key, appId: app.appId, port, allocatedAt: now, updatedAt: now, confirmed: false });
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
    return this.exclusive(async () => {
      const table = await this.deps.store.load();
      const held = table.get(app.key);
      if (!held) {
        return undefined;
      }
      table.delete(app.key);
      const now = this.deps.clock();
      const change: LeaseChange = { key: app.key, appId: held.appId, port: null, allocatedAt: held.allocatedAt, updatedAt: now };
      await this.deps.store.save(table, [change]);
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
    return this.exclusive(async () => {
      const table = await this.deps.store.load();
      const current = table.get(app.key);
      if (current?.port === port) {
        if (!current.confirmed) {
          // A start whose window died after `run`: its running container proves the lease.
          await this.write(table, { ...current, updatedAt: this.deps.clock(), confirmed: true });
          this.deps.logger.info(`Confirmed port ${port} of ${app.appId} from its running container.`);
        }
        return true;
      }
      if (table.leasedToOther(port, app.key)) {
        return false;
      }
      const now = this.deps.clock();
      await this.write(table, { key: app.key, appId: app.appId, port, allocatedAt: current?.allocatedAt ?? now, updatedAt: now, confirmed: true });
      this.deps.logger.info(`Adopted port ${port} for ${app.appId} from a running container.`);
      return true;
    });
  }

  /**
   * Puts back an app's earlier lease (a start that moved it failed: the app keeps the port it ran
   * on). Refuses, returning false, if another app leases that port meanwhile.
   */
  restore(previous: Lease): Promise<boolean> {
    return this.exclusive(async () => {
      const table = await this.deps.store.load();
      if (table.get(previous.key)?.port === previous.port) {
        return true;
      }
      if (table.leasedToOther(previous.port, previous.key)) {
        return false;
      }
      await this.write(table, { ...previous, updatedAt: this.deps.clock() });
      this.deps.logger.info(`Port ${previous.port} of ${previous.appId} restored after a failed start elsewhere.`);
      return true;
    });
  }

  /** Marks the lease as proven (the app ran on it): from now on it is a sticky reservation. */
  confirm(app: Pick<AppRef, 'key'>): Promise<void> {
    return this.patch(app.key, (lease) => (lease.confirmed ? undefined : { ...lease, confirmed: true }));
  }

  /** Refreshes `updatedAt`: a start in flight shows other windows that it is alive. */
  touch(app: Pick<AppRef, 'key'>): Promise<void> {
    return this.patch(app.key, (lease) => lease);
  }

  /** Records use of the app where every window sees it (the shared lease table). */
  markActive(app: Pick<AppRef, 'key'>, at: number): Promise<void> {
    return this.patch(app.key, (lease) => ((lease.lastActiveAt ?? 0) >= at ? undefined : { ...lease, lastActiveAt: at }));
  }

  /** Every lease, as the shared table says now. */
  async leases(): Promise<Lease[]> {
    return [...(await this.deps.store.load()).values()];
  }

  async listAllocations(): Promise<Allocations> {
    const range = this.deps.range();
    const table = await this.deps.store.load();
    const allocated: AllocationEntry[] = [];
    const outsideRange: AllocationEntry[] = [];
    for (const lease of [...table.values()].sort((a, b) => a.port - b.port)) {
      const entry: AllocationEntry = {
        appId: lease.appId,
        port: lease.port,
        folder: lease.key,
        allocatedAt: new Date(lease.allocatedAt).toISOString(),
      };
      (inRange(range, lease.port) ? allocated : outsideRange).push(entry);
    }
    return {
      allocated,
      allocatedCount: allocated.length,
      availableCount: range.size - allocated.length,
      range: { start: range.start, end: range.end, size: range.size },
      outsideRange,
    };
  }

  private patch(key: string, change: (lease: Lease) => Lease | undefined): Promise<void> {
    return this.exclusive(async () => {
      const table = await this.deps.store.load();
      const lease = table.get(key);
      const next = lease ? change(lease) : undefined;
      if (next) {
        await this.write(table, { ...next, updatedAt: this.deps.clock() });
      }
    });
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(() => this.lock.withLock(task));
  }

  private async write(table: LeaseTable, lease: LeaseChange & { port: number }): Promise<void> {
    table.set(lease.key, lease);
    await this.deps.store.save(table, [lease]);
  }

  private async stillUsable(
    port: number,
    app: AppRef,
    table: LeaseTable,
    range: PortRange,
    avoid: ReadonlySet<number>,
    engineUse: LazyEngineView,
  ): Promise<boolean> {
    if (!inRange(range, port) || avoid.has(port)) {
      return false;
    }
    if (table.leasedToOther(port, app.key)) {
      return false;
    }
    const use = await engineUse.useOf(port);
    if (use && use.ownerKey !== app.key) {
      return false;
    }
    if (use?.publishing) {
      // Our own running container holds it: still ours, and a bind probe would only see itself.
      return true;
    }
    return this.deps.probe.isFree(port);
  }
}

/** Asks the engine at most once per allocation, and only if a candidate needs it. */
class LazyEngineView {
  private usage: Promise<ReadonlyMap<number, EnginePortUse>> | undefined;

  constructor(
    private readonly engine: EnginePortUsage | undefined,
    known: ReadonlyMap<number, EnginePortUse> | undefined,
  ) {
    this.usage = known ? Promise.resolve(known) : undefined;
  }

  async useOf(port: number): Promise<EnginePortUse | undefined> {
    if (!this.usage) {
      if (!this.engine) {
        return undefined;
      }
      this.usage = this.engine.portsInUse();
    }
    return (await this.usage).get(port);
  }
}

function holdersOf(table: LeaseTable, range: PortRange): PortHolder[] {
  return [...table.values()]
    .filter((lease) => inRange(range, lease.port))
    .sort((a, b) => a.port - b.port)
    .map((lease) => ({ appId: lease.appId, port: lease.port }));
}
