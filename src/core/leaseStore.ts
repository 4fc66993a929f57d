import * as z from 'zod/mini';
import type { Logger } from './logger';
import type { MementoLike } from './memento';
import { LeaseTable } from './leaseTable';
import { describe } from './portRange';

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
}

/** A change as recorded in the shared journal; `port: null` records a release. */
export interface LeaseChange {
  readonly key: string;
  readonly appId: string;
  readonly port: number | null;
  readonly allocatedAt: number;
  readonly updatedAt: number;
  readonly confirmed?: boolean;
  readonly lastActiveAt?: number;
}

/**
 * The cross-process journal of recent changes. globalState reaches other windows only
 * eventually; the journal, read and written under the inter-process lock, closes that window.
 */
export interface LeaseJournal {
  read(): Promise<readonly LeaseChange[]>;
  append(changes: readonly LeaseChange[]): Promise<void>;
}

export const LEASES_KEY = 'previewContainers.leases';
export const LEASES_VERSION = 1;

const portSchema = z.int().check(z.gte(1), z.lte(65535));
// Up to the last instant a Date can hold: a larger value would make every date rendering throw.
const timeSchema = z.number().check(z.gte(0), z.lte(8.64e15));
export const leaseSchema = z.object({
  key: z.string().check(z.minLength(1)),
  appId: z.string().check(z.minLength(1)),
  port: portSchema,
  allocatedAt: timeSchema,
  updatedAt: timeSchema,
  confirmed: z.optional(z.boolean()),
  lastActiveAt: z.optional(timeSchema),
});
export const leaseChangeSchema = z.object({
  key: z.string().check(z.minLength(1)),
  appId: z.string(),
  port: z.nullable(portSchema),
  allocatedAt: timeSchema,
  updatedAt: timeSchema,
  confirmed: z.optional(z.boolean()),
  lastActiveAt: z.optional(timeSchema),
});

interface StoredLeases {
  readonly version: typeof LEASES_VERSION;
  readonly leases: readonly Lease[];
}

export { LeaseTable };

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

export function encodeLeases(table: LeaseTable): StoredLeases {
  const leases = [...table.values()].sort((a, b) => a.port - b.port);
  return { version: LEASES_VERSION, leases };
}

/** Applies journal changes that are newer than what the table holds (last writer wins). */
export function applyChanges(table: LeaseTable, changes: readonly LeaseChange[]): void {
  const ordered = [...changes].sort((a, b) => a.updatedAt - b.updatedAt);
  for (const change of ordered) {
    const current = table.get(change.key);
    if (current && current.updatedAt >= change.updatedAt) {
      continue;
    }
    if (change.port === null) {
      table.delete(change.key);
    } else {
      // A newer holder of the same port evicts an older one (it can only come from a repair).
      const holder = table.holderOf(change.port);
      if (holder && holder.key !== change.key && holder.updatedAt < change.updatedAt) {
        table.delete(holder.key);
      }
      table.set(change.key, {
        key: change.key,
        appId: change.appId,
        port: change.port,
        allocatedAt: change.allocatedAt,
        updatedAt: change.updatedAt,
        ...(change.confirmed === undefined ? {} : { confirmed: change.confirmed }),
        ...(change.lastActiveAt === undefined ? {} : { lastActiveAt: change.lastActiveAt }),
      });
    }
  }
}

/** Leases in globalState, merged with the shared journal when there is one. */
export class LeaseStore {
  constructor(
    private readonly memento: MementoLike,
    private readonly logger: Logger,
    private readonly journal?: LeaseJournal,
  ) {}

  /** The current table. Call under the inter-process lock when about to write. */
  async load(): Promise<LeaseTable> {
    const table = decodeLeases(this.memento.get(LEASES_KEY), this.logger);
    if (this.journal) {
      applyChanges(table, await this.journal.read());
    }
    return table;
  }

  /** The table as this window last saw it, without the journal (cheap, may lag other windows). */
  peek(): LeaseTable {
    return decodeLeases(this.memento.get(LEASES_KEY), this.logger);
  }

  async save(table: LeaseTable, changes: readonly LeaseChange[]): Promise<void> {
    if (this.journal && changes.length > 0) {
      await this.journal.append(changes);
    }
    await this.memento.update(LEASES_KEY, encodeLeases(table));
  }
}
