import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { LockTimeoutError } from './errors';
import type { Logger } from './logger';

/** Mutual exclusion between processes (VS Code windows) that share the lease table. */
export interface InterProcessLock {
  withLock<T>(task: () => Promise<T>): Promise<T>;
}

/** For a single process (tests, hosts without a storage folder). */
export const noInterProcessLock: InterProcessLock = { withLock: (task) => task() };

/**
 * A lock folder under the extension's global storage (proper-lockfile: atomic mkdir, mtime
 * refreshed while held, taken over when stale so a killed window cannot block the others forever).
 */
export class FileLock implements InterProcessLock {
  readonly lockPath: string;

  constructor(
    private readonly directory: string,
    private readonly logger: Logger,
    private readonly staleMs = 5000,
  ) {
    this.lockPath = path.join(directory, 'ports.lock');
  }

  async withLock<T>(task: () => Promise<T>): Promise<T> {
    await fs.mkdir(this.directory, { recursive: true });
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.directory, {
        lockfilePath: this.lockPath,
        realpath: false,
        stale: this.staleMs,
        // Wait up to ~3 stale periods: long enough for a killed holder to be taken over.
        retries: { retries: Math.ceil((this.staleMs * 3) / 50), minTimeout: 5, maxTimeout: 50, factor: 1.3 },
        onCompromised: (error) => this.logger.warn(`Port lock was compromised: ${error.message}`),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new LockTimeoutError(this.lockPath);
      }
      throw error;
    }
    try {
      return await task();
    } finally {
      await release().catch((error: unknown) => this.logger.warn(`Could not release the port lock: ${String(error)}`));
    }
  }
}
