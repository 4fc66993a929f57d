import type { AppController } from './appController';
import type { AppRef } from './appIdentity';
import type { ContainerEngine } from './engine/containerEngine';
import { isOurs, labelledPort, LABEL_PATH } from './engine/labels';
import type { ContainerSummary, EngineEvent } from './engine/types';
import { LeaseTable } from './leaseTable';
import { SEEN_RUNNING_RESOLUTION_MS } from './leaseExpiry';
import type { Clock, Logger } from './logger';
import type { CollectedLease, PoolJanitor } from './poolJanitor';
import type { PortAllocator } from './portAllocator';

export interface ReconcilerOptions {
  /** Consecutive passes a lease/container must be missing before repair touches it (Kubernetes-style). */
  readonly missesBeforeRepair: number;
  /** Misses closer together than this count once (on-demand passes must not rush a repair). */
  readonly minMissSpacingMs: number;
  /** A lease touched this recently belongs to a start in flight: never a miss. */
  readonly freshLeaseMs: number;
}

export const DEFAULT_RECONCILER_OPTIONS: ReconcilerOptions = { missesBeforeRepair: 3, minMissSpacingMs: 10_000, freshLeaseMs: 60_000 };

export interface ReconcilerDeps {
  readonly controller: AppController;
  readonly allocator: PortAllocator;
  readonly engine: () => Promise<ContainerEngine>;
  /** This window's apps (the ones whose state it shows). */
  readonly apps: () => readonly AppRef[];
  readonly logger: Logger;
  readonly clock: Clock;
  readonly options?: Partial<ReconcilerOptions>;
  /** Releases leases of deleted folders and expired ones at each repair pass. */
  readonly janitor?: PoolJanitor;
}

export interface ReconcileReport {
  /** Apps whose lease was restored from a running (or orphaned stopped) container's labels. */
  readonly adopted: string[];
  /** Unconfirmed leases of starts that never finished (their window died), released. */
  readonly releasedLeases: string[];
  /** Our containers nobody leases and that could not be adopted, removed. */
  readonly removedContainers: string[];
  /** Leases of deleted folders, and expired ones, released with their stopped containers and caches. */
  readonly collected: CollectedLease[];
}

/**
 * Makes the picture match reality: what the engine runs (our labels), what the shared lease table
 * says, and what this window shows. Adopts what runs; keeps a vanished app's lease as a sticky
 * reservation; repairs leaks only after several spaced observations, never on one.
 */
export class Reconciler {
  private readonly options: ReconcilerOptions;
  private readonly misses = new Map<string, { count: number; lastAt: number }>();
  private running: Promise<ReconcileReport> | undefined;
  private next: Promise<ReconcileReport> | undefined;
  private nextRepair = false;

  constructor(private readonly deps: ReconcilerDeps) {
    this.options = { ...DEFAULT_RECONCILER_OPTIONS, ...deps.options };
  }

  /**
   * Whether engine events touch this window's apps. Events of other workspaces' containers are
   * their windows' business; observing on each would spend an engine list and a repaint per event
   * of every container on the machine.
   */
  concerns(events: readonly EngineEvent[]): boolean {
    const keys = new Set(this.deps.apps().map((app) => app.key));
    return events.some((event) => keys.has(event.labels[LABEL_PATH] ?? ''));
  }

  /**
   * One pass that starts after this call (so it sees what the caller just changed, e.g. the engine
   * setting). Calls made while a pass is in flight share the next one, so bursts of events cost one
   * engine list, not one each. `repair: false` only observes (for event refreshes).
   */
  reconcile(options: { repair?: boolean } = {}): Promise<ReconcileReport> {
    const repair = options.repair ?? true;
    if (!this.running) {
      return this.startPass(repair);
    }
    this.nextRepair ||= repair;
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        const nextRepair = this.nextRepair;
        this.next = undefined;
        this.nextRepair = false;
        return this.startPass(nextRepair);
      });
    return this.next;
  }

  private startPass(repair: boolean): Promise<ReconcileReport> {
    const pass = this.pass(repair).finally(() => {
      if (this.running === pass) {
        this.running = undefined;
      }
    });
    this.running = pass;
    return pass;
  }

  private async pass(repair: boolean): Promise<ReconcileReport> {
    const report: ReconcileReport = { adopted: [], releasedLeases: [], removedContainers: [], collected: [] };
    const engine = await this.deps.engine();
    const containers = (await engine.list({ all: true, ours: true })).filter((c) => isOurs(c.labels));
    const leases = new LeaseTable(await this.deps.allocator.leases());
    // This window's apps, read once: the whole pass works on the same list.
    const own = new Map(this.deps.apps().map((a) => [a.key, a]));
    const byKey = new Map<string, ContainerSummary>();
    for (const container of containers) {
      const key = container.labels[LABEL_PATH];
      const seen = byKey.get(key);
      if (!seen || (container.running && !seen.running)) {
        byKey.set(key, container);
      }
    }

    // Adopt: a container of one of this window's apps proves its lease; restore it if the table lost
    // it (globalState wiped, or a window killed before it wrote). Containers of other workspaces are
    // left to their own windows: the allocator already avoids every port the engine uses.
    for (const [key, container] of byKey) {
      const ref = own.get(key);
      const port = labelledPort(container.labels);
      const lease = leases.get(key);
      if (!ref || port === undefined || (lease?.port === port && lease.confirmed)) {
        continue;
      }
      if (container.running || (!lease && !leases.holderOf(port))) {
        if (await this.deps.allocator.adopt(ref, port)) {
          report.adopted.push(ref.appId);
          leases.set(key, { key, appId: ref.appId, port, allocatedAt: this.deps.clock(), updatedAt: this.deps.clock(), confirmed: true });
          this.misses.delete(`lease:${key}`);
        }
      }
    }

    // Show this window's apps as they are.
    for (const app of own.values()) {
      const container = byKey.get(app.key);
      let startedAt = container?.startedAt;
      if (container?.running && startedAt === undefined && this.deps.controller.stateOf(app).startedAt === undefined) {
        startedAt = (await engine.inspect(container.id).catch(() => undefined))?.startedAt;
      }
      this.deps.controller.observe(app, container ? { ...container, startedAt } : undefined, engine);
      this.deps.controller.observeLease(app, leases.get(app.key)?.port);
    }

    if (repair) {
      await this.repair(engine, byKey, leases, own, report);
      await this.keepLeasesCurrent(byKey, leases, own);
      report.collected.push(...((await this.deps.janitor?.collect([...leases.values()], containers, { abandoned: false })) ?? []));
    }
    if (report.adopted.length + report.releasedLeases.length + report.removedContainers.length + report.collected.length > 0) {
      this.deps.logger.info(`Reconciled: ${JSON.stringify(report)}`);
    }
    return report;
  }

  private async repair(engine: ContainerEngine, byKey: Map<string, ContainerSummary>, leases: LeaseTable, own: ReadonlyMap<string, AppRef>, report: ReconcileReport): Promise<void> {
    const now = this.deps.clock();
    for (const lease of leases.values()) {
      const container = byKey.get(lease.key);
      const stale = !lease.confirmed && !container?.running && now - lease.updatedAt > this.options.freshLeaseMs;
      if (!stale) {
        this.misses.delete(`lease:${lease.key}`);
        continue;
      }
      if (this.miss(`lease:${lease.key}`, now)) {
        // A start that never finished (its window died): nothing of it may linger.
        if (container) {
          await engine.remove(container.id);
          report.removedContainers.push(container.name);
        }
        const current = await this.deps.allocator.lease(lease.key);
        if (current && current.updatedAt === lease.updatedAt && !current.confirmed) {
          await this.deps.allocator.releasePort({ key: lease.key, appId: lease.appId });
          report.releasedLeases.push(lease.appId);
        }
        this.misses.delete(`lease:${lease.key}`);
      }
    }
    for (const [key, container] of byKey) {
      const leased = leases.get(key);
      // Only this window's apps: another installation's containers have leases we cannot see.
      if (!own.has(key) || leased || container.running) {
        this.misses.delete(`container:${container.id}`);
        continue;
      }
      // Stopped, no lease, and its port is leased to another app: nothing can use it again.
      if (this.miss(`container:${container.id}`, now)) {
        await engine.remove(container.id);
        report.removedContainers.push(container.name);
        this.misses.delete(`container:${container.id}`);
      }
    }
  }

  /**
   * A running app is in use: its expiry clock moves with it (an hour at a time, so this costs a
   * write an hour per app, not one per pass). This window's apps carry its current idle policy.
   */
  private async keepLeasesCurrent(byKey: ReadonlyMap<string, ContainerSummary>, leases: LeaseTable, own: ReadonlyMap<string, AppRef>): Promise<void> {
    const now = this.deps.clock();
    const seen = [...leases.values()].filter((l) => byKey.get(l.key)?.running && (l.lastUsedAt ?? 0) < now - SEEN_RUNNING_RESOLUTION_MS).map((l) => l.key);
    if (seen.length > 0) {
      await this.deps.allocator.markUsed(seen, now);
    }
    const owned = [...own.values()].filter((app) => leases.has(app.key));
    if (owned.length > 0) {
      await this.deps.allocator.recordOwners(owned);
    }
  }

  /** Counts one (spaced) miss; true when the threshold is reached. */
  private miss(id: string, now: number): boolean {
    const entry = this.misses.get(id);
    if (!entry) {
      this.misses.set(id, { count: 1, lastAt: now });
      return this.options.missesBeforeRepair <= 1;
    }
    if (now - entry.lastAt >= this.options.minMissSpacingMs) {
      entry.count++;
      entry.lastAt = now;
    }
    return entry.count >= this.options.missesBeforeRepair;
  }
}
