import type { EngineEvent } from './engine/types';
import type { Clock } from './logger';

/** "Tell me when this container exits", answered from the engine's event stream. */
export interface ExitWatch {
  /** True while the event stream is connected (otherwise ask the engine with `wait`). */
  live(): boolean;
  /** Resolves with the exit code when the container dies (undefined if `signal` aborts first). */
  waitForExit(containerId: string, signal: AbortSignal): Promise<number | undefined>;
}

/**
 * Exit notices from `die` events, so a start does not need an engine `wait` process of its own
 * (twenty concurrent starts were twenty more podman processes on a 2-core machine). Deaths are
 * remembered for a while, so one that came just before the watch began is not missed.
 */
export class ContainerExits implements ExitWatch {
  private readonly waiters = new Map<string, Set<(code: number | undefined) => void>>();
  private readonly recent = new Map<string, { code: number | undefined; at: number }>();

  constructor(
    private readonly isLive: () => boolean,
    private readonly clock: Clock,
    private readonly retainMs = 60_000,
  ) {}

  live(): boolean {
    return this.isLive();
  }

  onEvent(event: EngineEvent): void {
    if (event.action !== 'die') {
      return;
    }
    const now = this.clock();
    this.recent.set(event.id, { code: event.exitCode, at: now });
    for (const [id, death] of this.recent) {
      if (now - death.at > this.retainMs) {
        this.recent.delete(id);
      }
    }
    for (const resolve of this.waiters.get(event.id) ?? []) {
      resolve(event.exitCode);
    }
    this.waiters.delete(event.id);
  }

  waitForExit(containerId: string, signal: AbortSignal): Promise<number | undefined> {
    const died = [...this.recent].find(([id]) => id === containerId || id.startsWith(containerId) || containerId.startsWith(id));
    if (died) {
      return Promise.resolve(died[1].code);
    }
    return new Promise((resolve) => {
      const set = this.waiters.get(containerId) ?? new Set();
      this.waiters.set(containerId, set);
      const done = (code: number | undefined): void => {
        set.delete(done);
        if (set.size === 0 && this.waiters.get(containerId) === set) {
          this.waiters.delete(containerId); // every start that ends without an exit would leave one
        }
        resolve(code);
      };
      set.add(done);
      signal.addEventListener('abort', () => done(undefined), { once: true });
    });
  }
}
