import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { LockLostError } from './errors';
import { leaseChangeSchema, type JournalSnapshot, type LeaseChange, type LeaseJournal } from './leaseStore';
import type { Clock, Logger } from './logger';

const journalSchema = z.object({ version: z.literal(1), generation: z.optional(z.int().check(z.gte(0))), changes: z.array(z.unknown()) });

/** Older changes have long reached every window's globalState; keep the file small. */
export const JOURNAL_TTL_MS = 60 * 60 * 1000;

const EMPTY: JournalSnapshot = { generation: 0, changes: [] };

/**
 * The shared journal as a JSON file in the extension's global storage folder. Only touched under
 * the inter-process lock; written atomically (temp file + rename) so a crash never leaves half a
 * file. Each write is one generation higher; a writer whose read is no longer the current
 * generation was overtaken by another process and must not write (see `append`).
 */
export class FileLeaseJournal implements LeaseJournal {
  private readonly file: string;
  /** The last snapshot and the file identity it came from: an unchanged file is not parsed again. */
  private cached: { stamp: string; snapshot: JournalSnapshot } | undefined;

  constructor(
    directory: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.file = path.join(directory, 'lease-journal.json');
  }

  async read(): Promise<JournalSnapshot> {
    let stamp: string;
    try {
      const stat = await fs.stat(this.file);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      return this.unreadable(error);
    }
    if (this.cached?.stamp === stamp) {
      return this.cached.snapshot;
    }
    const snapshot = await this.readFresh();
    this.cached = { stamp, snapshot };
    return snapshot;
  }

  /**
   * A compare-and-swap on the generation: the file is read again right before the write, and if
   * another process wrote since `basis` (it took the lock over from this stalled one), nothing is
   * written. The check and the rename are not one atomic step; a writer stalled longer than the
   * lock's stale time exactly between them is the case left (FileLock.verifyHeld narrows it).
   */
  async append(changes: readonly LeaseChange[], basis: number): Promise<number> {
    const current = await this.readFresh();
    if (current.generation !== basis) {
      throw new LockLostError(`the lease journal moved from generation ${basis} to ${current.generation} while this window held the lock`);
    }
    const cutoff = this.clock() - JOURNAL_TTL_MS;
    const latest = new Map<string, LeaseChange>();
    for (const change of [...current.changes, ...changes]) {
      const seen = latest.get(change.key);
      if (change.updatedAt >= cutoff && (!seen || seen.updatedAt <= change.updatedAt)) {
        latest.set(change.key, change);
      }
    }
    const generation = basis + 1;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    const written = [...latest.values()];
    await fs.writeFile(temp, JSON.stringify({ version: 1, generation, changes: written }));
    await fs.rename(temp, this.file);
    const stat = await fs.stat(this.file);
    this.cached = { stamp: `${stat.ino}:${stat.size}:${stat.mtimeMs}`, snapshot: { generation, changes: written } };
    return generation;
  }

  private async readFresh(): Promise<JournalSnapshot> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      return this.unreadable(error);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.logger.warn(`The lease journal ${this.file} was corrupted; ignoring it.`);
      return EMPTY;
    }
    const parsed = journalSchema.safeParse(json);
    if (!parsed.success) {
      this.logger.warn(`The lease journal ${this.file} has an unknown format; ignoring it.`);
      return EMPTY;
    }
    const changes: LeaseChange[] = [];
    for (const entry of parsed.data.changes) {
      const change = leaseChangeSchema.safeParse(entry);
      if (change.success) {
        changes.push(change.data);
      }
    }
    return { generation: parsed.data.generation ?? 0, changes };
  }

  private unreadable(error: unknown): JournalSnapshot {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      this.logger.warn(`Could not read the lease journal ${this.file}: ${String(error)}`);
    }
    return EMPTY;
  }
}
