import * as z from 'zod/mini';
import type { Logger } from './logger';
import { LeaseTable } from './leaseTable';
import { describe } from './portRange';

/** How the app's own window stops it when idle; recorded on its lease so other windows follow it. */
export interface IdlePolicy {
  /** 0 = never. */
  readonly timeoutMinutes: number;
  readonly releasePort: boolean;
}

/** A port lease: app `key` holds `port` until released (sticky across runs). */
export interface Lease {
  readonly key: string;
  readonly appId: string;
  readonly port: number;
  /** When the port was first given to this app (ms since epoch). */
  readonly allocatedAt: number;
  /** Last change of this record (ms since epoch); orders concurrent writers. */
  readonly updatedAt: number;
  /**
   * The app has run on this port at least once. An unconfirmed lease belongs to a first start in
   * flight; if its window died, repair releases it (a confirmed one is a sticky reservation).
   */
  readonly confirmed?: boolean;
  /** Last sign of use any window recorded (visible preview, explicit run/open): the idle clock. */
  readonly lastActiveAt?: number;
  /** Last time the app was started, seen running, stopped or used: the expiry clock. */
  readonly lastUsedAt?: number;
  /** The workspace folder the app belongs to, as its window saw it. */
  readonly workspace?: string;
  /** The idle policy of the app's own window (absent: written by an older version). */
  readonly idle?: IdlePolicy;
}

/** A change as recorded in the shared journal; `port: null` records a release. */
export type LeaseChange = Omit<Lease, 'port'> & { readonly port: number | null };

export const LEASES_KEY = 'previewContainers.leases';
export const LEASES_VERSION = 1;

const portSchema = z.int().check(z.gte(1), z.lte(65535));
// Up to the last instant a Date can hold: a larger value would make every date rendering throw.
const timeSchema = z.number().check(z.gte(0), z.lte(8.64e15));
const idleSchema = z.object({ timeoutMinutes: z.int().check(z.gte(0), z.lte(7 * 24 * 60)), releasePort: z.boolean() });
const optionalFields = {
  confirmed: z.optional(z.boolean()),
  lastActiveAt: z.optional(timeSchema),
  lastUsedAt: z.optional(timeSchema),
  workspace: z.optional(z.string().check(z.minLength(1))),
  idle: z.optional(idleSchema),
};
export const leaseSchema = z.object({
  key: z.string().check(z.minLength(1)),
  appId: z.string().check(z.minLength(1)),
  port: portSchema,
  allocatedAt: timeSchema,
  updatedAt: timeSchema,
  ...optionalFields,
});
export const leaseChangeSchema = z.object({
  key: z.string().check(z.minLength(1)),
  appId: z.string(),
  port: z.nullable(portSchema),
  allocatedAt: timeSchema,
  updatedAt: timeSchema,
  ...optionalFields,
});

/** What globalState holds. `generation` names one write, so a reader can tell a value it already decoded. */
export interface StoredLeases {
  readonly version: typeof LEASES_VERSION;
  readonly generation?: string;
  readonly leases: readonly Lease[];
}

/** The write a stored value came from, if it says. */
export function generationOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) {
    return undefined;
  }
  const generation = (raw as { generation?: unknown }).generation;
  return typeof generation === 'string' ? generation : undefined;
}

/**
 * Reads whatever is stored, keeping every valid lease and dropping (with a warning) anything
 * unreadable: an unknown version, a wrong shape, a bad entry, or two leases on one port.
 */
export function decodeLeases(raw: unknown, logger: Logger): LeaseTable {
  const table = new LeaseTable();
  if (raw === undefined || raw === null) {
    return table;
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    logger.warn(`Stored port leases were unreadable (${typeof raw}); starting with an empty table.`);
    return table;
  }
  const record = raw as { version?: unknown; leases?: unknown };
  if (record.version !== LEASES_VERSION) {
    logger.warn(`Stored port leases have unknown version ${describe(record.version)}; salvaging valid entries.`);
  }
  if (!Array.isArray(record.leases)) {
    logger.warn('Stored port leases had no lease list; starting with an empty table.');
    return table;
  }
  let dropped = 0;
  for (const entry of record.leases) {
    const parsed = leaseSchema.safeParse(entry);
    if (!parsed.success || table.has(parsed.data.key)) {
      dropped++;
      continue;
    }
    const lease = parsed.data;
    const rival = table.holderOf(lease.port);
    if (rival) {
      dropped++;
      // Keep the older holder: it is the one most likely to be running on that port.
      if (rival.allocatedAt <= lease.allocatedAt) {
        continue;
      }
      table.delete(rival.key);
    }
    table.set(lease.key, lease);
  }
  if (dropped > 0) {
    logger.warn(`Dropped ${dropped} unreadable or conflicting stored port lease(s).`);
  }
  return table;
}

export function encodeLeases(table: LeaseTable, generation?: string): StoredLeases {
  const leases = [...table.values()].sort((a, b) => a.port - b.port);
  return generation === undefined ? { version: LEASES_VERSION, leases } : { version: LEASES_VERSION, generation, leases };
}

/** Applies changes that are newer than what the table holds (last writer wins). */
export function applyChanges(table: LeaseTable, changes: readonly LeaseChange[]): void {
  const ordered = changes.length > 1 ? [...changes].sort((a, b) => a.updatedAt - b.updatedAt) : changes;
  for (const change of ordered) {
    const current = table.get(change.key);
    if (current && current.updatedAt >= change.updatedAt) {
      continue;
    }
    if (change.port === null) {
      table.delete(change.key);
      continue;
    }
    // A newer holder of the same port evicts an older one (it can only come from a repair).
    const holder = table.holderOf(change.port);
    if (holder && holder.key !== change.key && holder.updatedAt < change.updatedAt) {
      table.delete(holder.key);
    }
    table.set(change.key, leaseOfChange(change, change.port));
  }
}

/** Our own change, decided under the lock: it wins whatever the clocks say. */
export function applyOwnChange(table: LeaseTable, change: LeaseChange): void {
  if (change.port === null) {
    table.delete(change.key);
  } else {
    table.set(change.key, leaseOfChange(change, change.port));
  }
}

/** The lease a change records (without fields it leaves unset: stored JSON has no `undefined`). */
function leaseOfChange(change: LeaseChange, port: number): Lease {
  const lease: Record<string, unknown> = { ...change, port };
  for (const [name, value] of Object.entries(lease)) {
    if (value === undefined) {
      delete lease[name];
    }
  }
  return lease as unknown as Lease;
}
