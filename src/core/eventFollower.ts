import type { ContainerEngine } from './engine/containerEngine';
import type { EngineEvent } from './engine/types';
import type { Logger } from './logger';
import { Debouncer, sleep } from './timing';

export interface EventFollowerDeps {
  readonly engine: () => Promise<ContainerEngine>;
  /** A debounced batch of events. */
  readonly onEvents: (events: readonly EngineEvent[]) => void;
  /** Each event as it arrives, before the debounce (e.g. exit notices for starts in flight). */
  readonly onEachEvent?: (event: EngineEvent) => void;
  /** The stream (re)connected: events may have been missed, so the caller re-checks. */
  readonly onReconnect: () => void;
  /** The stream could not be (re)started: the engine may be down. */
  readonly onStreamError?: (error: unknown) => void;
  readonly logger: Logger;
  readonly debounceMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * Follows the engine's event stream for our containers: bursts are debounced into one batch, and
 * a dying stream is reconnected with exponential back-off (reset once it has stayed up a while).
 */
export class EventFollower {
  private abort: AbortController | undefined;
  private buffer: EngineEvent[] = [];
  private readonly flush: Debouncer;
  private loop: Promise<void> | undefined;
  private connectedNow = false;

  constructor(private readonly deps: EventFollowerDeps) {
    this.flush = new Debouncer(deps.debounceMs ?? 100, () => {
      const batch = this.buffer;
      this.buffer = [];
      this.deps.onEvents(batch);
    });
  }

  get active(): boolean {
    return this.abort !== undefined;
  }

  /** The stream is connected right now (not between a failure and its reconnect). */
  get connected(): boolean {
    return this.connectedNow;
  }

  start(): void {
    if (this.abort) {
      return;
    }
    const abort = new AbortController();
    this.abort = abort;
    this.loop = this.run(abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    this.abort = undefined;
    this.flush.cancel();
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const initial = this.deps.initialBackoffMs ?? 1000;
    const max = this.deps.maxBackoffMs ?? 30_000;
    let backoff = initial;
    let first = true;
    while (!signal.aborted) {
      const startedAt = Date.now();
      try {
        const engine = await this.deps.engine();
        if (!first) {
          this.deps.onReconnect();
        }
        first = false;
        this.connectedNow = true;
        const { reason } = await engine.events((event) => this.push(event), signal).finally(() => (this.connectedNow = false));
        if (signal.aborted) {
          return;
        }
        this.deps.logger.warn(`The engine's event stream ended (${reason}); reconnecting in ${Math.round(backoff / 1000)} s.`);
      } catch (error) {
        if (signal.aborted) {
          return;
        }
        this.deps.onStreamError?.(error);
        this.deps.logger.debug(`Event stream unavailable: ${String(error)}`);
      }
      if (Date.now() - startedAt > max) {
        backoff = initial;
      }
      await sleep(backoff, signal);
      backoff = Math.min(max, backoff * 2);
    }
  }

  private push(event: EngineEvent): void {
    this.deps.onEachEvent?.(event);
    this.buffer.push(event);
    this.flush.schedule();
  }
}
