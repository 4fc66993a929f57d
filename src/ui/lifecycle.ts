import * as vscode from 'vscode';
import type { EventFollower } from '../core/eventFollower';
import type { IdleReaper } from '../core/idleReaper';
import type { Logger } from '../core/logger';
import type { Reconciler } from '../core/reconciler';
import type { EngineStatus } from './engineStatus';

export interface LifecycleDeps {
  readonly reconciler: Reconciler;
  readonly follower: EventFollower;
  readonly reaper: IdleReaper;
  readonly engineStatus: EngineStatus;
  readonly reconcileIntervalMs: () => number;
  readonly logger: Logger;
  /** After each idle check (e.g. to refresh the countdowns shown in tooltips). */
  readonly afterIdleCheck?: () => Promise<void>;
}

const REAPER_TICK_MS = 30_000;
const ENGINE_RETRY_MS = 5_000;

/**
 * Keeps the picture true over time: a reconcile at start and as a slow backstop, the engine's
 * event stream for prompt updates, the idle reaper, and quick retries while the engine is down so
 * the view recovers by itself when it comes back.
 */
export class Lifecycle implements vscode.Disposable {
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reaperTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Nothing runs before start(): in an untrusted workspace it waits for trust to be granted. */
  private started = false;

  constructor(private readonly deps: LifecycleDeps) {}

  start(): void {
    if (this.started || this.disposed) {
      return;
    }
    this.started = true;
    this.deps.follower.start();
    void this.reconcileNow();
    this.reaperTimer = setInterval(() => void this.tickReaper(), REAPER_TICK_MS);
  }

  /** A full pass now (activation, Refresh, stream reconnect). Never throws. */
  async reconcileNow(): Promise<void> {
    if (!this.started) {
      return;
    }
    clearTimeout(this.reconcileTimer);
    let next: number;
    try {
      // Inside the try: an invalid setting must not end the backstop (it is retried until fixed).
      next = this.deps.reconcileIntervalMs();
      if (this.deps.engineStatus.state !== 'ready' && !(await this.deps.engineStatus.check())) {
        next = ENGINE_RETRY_MS;
      } else {
        await this.deps.reconciler.reconcile({ repair: true });
      }
    } catch (error) {
      this.deps.engineStatus.record(error);
      this.deps.logger.warn(`Reconcile failed: ${error instanceof Error ? error.message : String(error)}`);
      next = ENGINE_RETRY_MS;
    }
    if (!this.disposed) {
      this.reconcileTimer = setTimeout(() => void this.reconcileNow(), next);
    }
  }

  /** A light pass after engine events: observe only. */
  async observeNow(): Promise<void> {
    if (!this.started) {
      return;
    }
    try {
      await this.deps.reconciler.reconcile({ repair: false });
    } catch (error) {
      this.deps.engineStatus.record(error);
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.reconcileTimer);
    clearInterval(this.reaperTimer);
    void this.deps.follower.stop();
  }

  private async tickReaper(): Promise<void> {
    if (this.deps.engineStatus.state !== 'ready') {
      return;
    }
    try {
      await this.deps.reaper.tick();
      await this.deps.afterIdleCheck?.();
    } catch (error) {
      this.deps.logger.warn(`Idle check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
