import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { leaseChangeSchema, type LeaseChange, type LeaseJournal } from './leaseStore';
import type { Clock, Logger } from './logger';

const journalSchema = z.object({ version: z.literal(1), changes: z.array(z.unknown()) });

/** Older changes have long reached every window's globalState; keep the file small. */
export const JOURNAL_TTL_MS = 60 * 60 * 1000;

/**
 * The shared journal as a JSON file in the extension's global storage folder. Only touched under
 * the inter-process lock; written atomically (temp file + rename) so a crash never leaves half a file.
 */
export class FileLeaseJournal implements LeaseJournal {
  private readonly file: string;

  constructor(
    directory: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.file = path.join(directory, 'lease-journal.json');
  }

  async read(): Promise<readonly LeaseChange[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn(`Could not read the lease journal ${this.file}: ${String(error)}`);
      }
      return [];
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.logger.warn(`The lease journal ${this.file} was corrupted; ignoring it.`);
      return [];
    }
    const parsed = journalSchema.safeParse(json);
    if (!parsed.success) {
      this.logger.warn(`The lease journal ${this.file} has an unknown format; ignoring it.`);
      return [];
    }
    const changes: LeaseChange[] = [];
    for (const entry of parsed.data.changes) {
      const change = leaseChangeSchema.safeParse(entry);
      if (change.success) {
        changes.push(change.data);
      }
    }
    return changes;
  }

  async append(changes: readonly LeaseChange[]): Promise<void> {
    const cutoff = this.clock() - JOURNAL_TTL_MS;
    const latest = new Map<string, LeaseChange>();
    for (const change of [...(await this.read()), ...changes]) {
      const current = latest.get(change.key);
      if (change.updatedAt >= cutoff && (!current || current.updatedAt <= change.updatedAt)) {
        latest.set(change.key, change);
      }
    }
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(temp, JSON.stringify({ version: 1, changes: [...latest.values()] }));
    await fs.rename(temp, this.file);
  }
}
