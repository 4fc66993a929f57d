import { randomBytes } from 'node:crypto';
import type { Logger } from './logger';
import type { MementoLike } from './memento';
import { applyChanges, applyOwnChange, decodeLeases, encodeLeases, generationOf, LEASES_KEY, type LeaseChange } from './leaseRecords';
import { LeaseTable } from './leaseTable';

export * from './leaseRecords';
export { LeaseTable };

/** The journal as one read saw it: its generation (0 when there is none yet) and its changes. */
export interface JournalSnapshot {
  readonly generation: number;
  readonly changes: readonly LeaseChange[];
}

/**
 * The cross-process journal of recent changes. globalState reaches other windows only
 * eventually; the journal, read and written under the inter-process lock, closes that window.
 */
export interface LeaseJournal {
  read(): Promise<JournalSnapshot>;
  /**
   * Writes `changes` as generation `basis + 1` and returns it; throws LockLostError when the
   * journal is no longer at `basis` (another process wrote since this one read: it lost the lock).
   */
  append(changes: readonly LeaseChange[], basis: number): Promise<number>;
}

/** The table as one read saw it, and the journal generation a write must build on. */
export interface LeaseSnapshot {
  /** Shared with the store: read it, never change it (changes go through `commit`). */
  readonly table: LeaseTable;
  readonly basis: number | undefined;
}

export interface LeaseStoreOptions {
  /** Throws when this process no longer holds the inter-process lock; checked before every write. */
  readonly fence?: () => Promise<void>;
  /** How long the globalState write waits to take more changes with it (ms). */
  readonly flushDelayMs?: number;
}

const DEFAULT_FLUSH_DELAY_MS = 20;

/**
 * Leases in globalState, merged with the shared journal when there is one. The decoded table is
 * kept, keyed by the stored value (its identity, or the generation our last write put in it), so a
 * read costs nothing while nobody else wrote; changes go to the journal at once (under the lock)
 * and into globalState shortly after, many per write: re-encoding the whole table on every
 * allocation made allocation cost grow with the table.
 */
export class LeaseStore {
  private cache: { raw: unknown; generation: string | undefined; table: LeaseTable } | undefined;
  /** The journal generation the cached table has taken in. */
  private journalApplied: number | undefined;
  /** Committed changes globalState does not hold yet. */
  private readonly pending: LeaseChange[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly writer = randomBytes(6).toString('hex');
  private writes = 0;

  constructor(
    private readonly memento: MementoLike,
    private readonly logger: Logger,
    private readonly journal?: LeaseJournal,
    private readonly options: LeaseStoreOptions = {},
  ) {}

  /** The current table. Call under the inter-process lock when about to write. */
  async load(): Promise<LeaseTable> {
    return (await this.read()).table;
  }

  /** The current table and the journal generation it includes. */
  async read(): Promise<LeaseSnapshot> {
    const table = this.fromMemento();
    if (!this.journal) {
      return { table, basis: undefined };
    }
    const journal = await this.journal.read();
    const current = this.fromMemento();
    if (this.journalApplied !== journal.generation || current !== table) {
      applyChanges(current, journal.changes);
      this.journalApplied = journal.generation;
    }
    return { table: current, basis: journal.generation };
  }

  /** Records changes decided on a snapshot: in the journal now (if it is still at `basis`), in globalState soon. */
  async commit(changes: readonly LeaseChange[], basis: number | undefined): Promise<void> {
    if (changes.length === 0) {
      return;
    }
    await this.options.fence?.();
    if (this.journal) {
      const before = this.journalApplied;
      const generation = await this.journal.append(changes, basis ?? 0);
      this.journalApplied = before === basis ? generation : undefined;
    }
    const table = this.fromMemento();
    for (const change of changes) {
      applyOwnChange(table, change);
    }
    this.pending.push(...changes);
    this.scheduleFlush();
  }

  /** Writes what globalState does not hold yet (before the host closes, and for tests). */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing = this.flushing.then(() => this.writeOut());
    return this.flushing;
  }

  /** The table as this window last saw it, without the journal (cheap, may lag other windows). */
  peek(): LeaseTable {
    return this.fromMemento();
  }

  private fromMemento(): LeaseTable {
    const raw = this.memento.get(LEASES_KEY);
    const cache = this.cache;
    if (cache && (raw === cache.raw || (cache.generation !== undefined && generationOf(raw) === cache.generation))) {
      cache.raw = raw;
      return cache.table;
    }
    const table = decodeLeases(raw, this.logger);
    // Another writer's value: what we committed and it may not hold yet goes back on top.
    applyChanges(table, this.pending);
    this.cache = { raw, generation: generationOf(raw), table };
    this.journalApplied = undefined;
    return table;
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) {
      return;
    }
    this.flushTimer = setTimeout(() => void this.flush(), this.options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS);
    this.flushTimer.unref?.();
  }

  private async writeOut(): Promise<void> {
    if (this.pending.length === 0) {
      return;
    }
    const table = this.fromMemento();
    const generation = `${this.writer}-${++this.writes}`;
    const written = this.pending.length;
    // Named before the write, so a read meanwhile knows the value for ours.
    this.cache = { raw: undefined, generation, table };
    try {
      await this.memento.update(LEASES_KEY, encodeLeases(table, generation));
      this.pending.splice(0, written);
      if (this.cache.generation === generation) {
        this.cache.raw = this.memento.get(LEASES_KEY);
      }
    } catch (error) {
      this.logger.warn(`Could not write the port leases to globalState (the journal has them; retrying): ${String(error)}`);
      this.scheduleFlush();
    }
  }
}
