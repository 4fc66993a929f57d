import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { LockLostError, LockTimeoutError } from './errors';
import type { Logger } from './logger';

/** Mutual exclusion between processes (VS Code windows) that share the lease table. */
export interface InterProcessLock {
  withLock<T>(task: () => Promise<T>): Promise<T>;
  /** Throws LockLostError unless this process holds the lock right now (call before writing). */
  verifyHeld(): Promise<void>;
}

/** For a single process (tests, hosts without a storage folder). */
export const noInterProcessLock: InterProcessLock = { withLock: (task) => task(), verifyHeld: () => Promise.resolve() };

/**
 * How long a lock nobody refreshes stays valid. The holder refreshes it every stale/2 by timer, so
 * only a holder whose event loop stops for this long loses it: a killed window (SIGKILL, a crash,
 * power loss: proper-lockfile removes it on every exit it sees), or one stalled, e.g. paused in a
 * debugger, swapped out, or frozen (SIGSTOP). 15 s: far above the stalls of a healthy extension
 * host (GC pauses and busy extensions cost well under a second), so live holders are not taken
 * over; short enough that a window killed while holding it (critical sections last milliseconds)
 * delays the others' next allocation by at most 15 s, once. It no longer decides correctness: a
 * holder taken over finds out before it writes (verifyHeld, the journal's generation check) and
 * starts again, so a shorter value costs retries, a longer one waiting after a crash.
 */
export const LOCK_STALE_MS = 15_000;

interface Hold {
  readonly token: string;
  compromised: boolean;
}

/**
 * A lock folder under the extension's global storage (proper-lockfile: atomic mkdir, mtime
 * refreshed while held, taken over when stale so a killed window cannot block the others forever).
 * Beside it, `ports.lock.owner` names the current holder, so a holder can tell that it still is one.
 */
export class FileLock implements InterProcessLock {
  readonly lockPath: string;
  private readonly ownerPath: string;
  private hold: Hold | undefined;

  constructor(
    private readonly directory: string,
    private readonly logger: Logger,
    private readonly staleMs = LOCK_STALE_MS,
  ) {
    this.lockPath = path.join(directory, 'ports.lock');
    this.ownerPath = `${this.lockPath}.owner`;
  }

  async withLock<T>(task: () => Promise<T>): Promise<T> {
    await fs.mkdir(this.directory, { recursive: true });
    const hold: Hold = { token: `${process.pid}-${randomBytes(6).toString('hex')}`, compromised: false };
    const release = await this.acquire(hold);
    try {
      await this.writeOwner(hold.token);
    } catch (error) {
      await release().catch(() => undefined);
      throw error;
    }
    this.hold = hold;
    try {
      return await task();
    } finally {
      if (this.hold === hold) {
        this.hold = undefined;
      }
      // A holder that was taken over must not remove the new holder's lock folder.
      if (await this.stillOurs(hold)) {
        await release().catch((error: unknown) => this.logger.warn(`Could not release the port lock: ${String(error)}`));
      }
    }
  }

  async verifyHeld(): Promise<void> {
    const hold = this.hold;
    if (!hold) {
      throw new LockLostError('this window does not hold it');
    }
    if (hold.compromised) {
      throw new LockLostError('its refresh failed');
    }
    const stat = await fs.stat(this.lockPath).catch(() => undefined);
    // Refreshed every stale/2: an older folder means this process stalled and may be taken over any moment.
    if (!stat || Date.now() - stat.mtimeMs > this.staleMs * 0.75) {
      throw new LockLostError(stat ? 'it went stale while this window was stalled' : 'its folder is gone');
    }
    if (!(await this.stillOurs(hold))) {
      throw new LockLostError('another window took it over');
    }
  }

  private async acquire(hold: Hold): Promise<() => Promise<void>> {
    try {
      return await lockfile.lock(this.directory, {
        lockfilePath: this.lockPath,
        realpath: false,
        stale: this.staleMs,
        // Wait up to ~3 stale periods: long enough for a killed holder to be taken over.
        retries: { retries: Math.ceil((this.staleMs * 3) / 50), minTimeout: 5, maxTimeout: 50, factor: 1.3 },
        onCompromised: (error) => {
          hold.compromised = true;
          this.logger.warn(`Port lock was compromised: ${error.message}`);
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new LockTimeoutError(this.lockPath);
      }
      throw error;
    }
  }

  private async writeOwner(token: string): Promise<void> {
    const temp = `${this.ownerPath}.${process.pid}.tmp`;
    await fs.writeFile(temp, token);
    await fs.rename(temp, this.ownerPath);
  }

  private async stillOurs(hold: Hold): Promise<boolean> {
    if (hold.compromised) {
      return false;
    }
    return (await fs.readFile(this.ownerPath, 'utf8').catch(() => '')) === hold.token;
  }
}
