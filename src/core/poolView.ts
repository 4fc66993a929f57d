import type { PortAllocation, PortAllocations } from '../api';
import type { EnginePortUse } from './engine/portUsage';
import { lastUsedOf } from './leaseExpiry';
import type { Lease } from './leaseRecords';
import type { LeaseTable } from './leaseTable';
import { inRange, type PortRange } from './portRange';
import type { PortHolder } from './errors';

/** One lease as "Show Port Allocations" and the public API list it (src/api.ts). */
export type AllocationEntry = PortAllocation;

/** The pool as the public API reports it, plus the leases kept from an earlier range. */
export interface Allocations extends PortAllocations {
  readonly allocated: AllocationEntry[];
  /** Leases kept from an earlier, different port range; they move on the app's next run. */
  readonly outsideRange: AllocationEntry[];
}

/** What is known besides the table: the engine's port use (undefined: the engine did not answer) and this window's apps. */
export interface PoolContext {
  readonly usage: ReadonlyMap<number, EnginePortUse> | undefined;
  readonly ownKeys: ReadonlySet<string>;
}

/** Whether a container of the lease's app runs and publishes its port (null: unknown). */
export function runningOf(lease: Lease, usage: ReadonlyMap<number, EnginePortUse> | undefined): boolean | null {
  if (!usage) {
    return null;
  }
  const use = usage.get(lease.port);
  return use !== undefined && use.publishing && use.ownerKey === lease.key;
}

export function allocationEntry(lease: Lease, context: PoolContext): AllocationEntry {
  return {
    appId: lease.appId,
    port: lease.port,
    folder: lease.key,
    allocatedAt: new Date(lease.allocatedAt).toISOString(),
    workspace: lease.workspace ?? null,
    lastUsed: new Date(lastUsedOf(lease)).toISOString(),
    running: runningOf(lease, context.usage),
    thisWindow: context.ownKeys.has(lease.key),
  };
}

export function describeAllocations(table: LeaseTable, range: PortRange, context: PoolContext): Allocations {
  const allocated: AllocationEntry[] = [];
  const outsideRange: AllocationEntry[] = [];
  for (const lease of [...table.values()].sort((a, b) => a.port - b.port)) {
    (inRange(range, lease.port) ? allocated : outsideRange).push(allocationEntry(lease, context));
  }
  return {
    allocated,
    allocatedCount: allocated.length,
    availableCount: range.size - allocated.length,
    range: { start: range.start, end: range.end, size: range.size },
    outsideRange,
  };
}

/** Who holds the pool's ports, for the pool-full error. */
export function holdersOf(table: LeaseTable, range: PortRange): PortHolder[] {
  return [...table.values()]
    .filter((lease) => inRange(range, lease.port))
    .sort((a, b) => a.port - b.port)
    .map((lease) => ({ appId: lease.appId, port: lease.port }));
}
