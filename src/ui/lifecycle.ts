import * as vscode from 'vscode';
import type { Core } from '../core/createCore';
import type { Logger } from '../core/logger';
import type { AppCatalog } from './appCatalog';
import { Disposable } from './dispose';
import type { EngineStatus } from './engineStatus';

export interface LifecycleDeps {
  readonly core: Pick<Core, 'reconciler' | 'follower' | 'reaper' | 'engines' | 'onEngineEvents' | 'onEventStreamReconnect' | 'onEventStreamError'>;
  readonly catalog: AppCatalog;
  readonly engineStatus: EngineStatus;
  readonly reconcileIntervalMs: () => number;
  readonly logger: Logger;
}

const REAPER_TICK_MS = 30_000;
const ENGINE_RETRY_MS = 5_000;

/**
 * Keeps the picture true over time: a reconcile at start and as a slow backstop, the engine's
 * event stream for prompt updates, the idle reaper, and quick retries while the engine is down so
 * the view recovers by itself when it comes back. Nothing runs before `start()`: in an untrusted
 * workspace it waits for trust.
 */
export class Lifecycle extends Disposable {
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reaperTimer: NodeJS.Timeout | undefined;
  private started = false;
  private readonly idleChecked = this._register(new vscode.EventEmitter<void>());
  /** After each idle check (the tree refreshes its countdowns). */
  readonly onDidCheckIdle = this.idleChecked.event;

  constructor(private readonly deps: LifecycleDeps) {
    super();
    const { core } = deps;
    this._register(core.onEngineEvents((events) => void (core.reconciler.concerns(events) && this.observeNow())));
    this._register(core.onEventStreamReconnect(() => void this.reconcileNow()));
    this._register(core.onEventStreamError((error) => deps.engineStatus.record(error)));
    this._register(deps.catalog.onDidChange(() => void this.observeNow()));
    this._register({
      dispose: () => {
        clearTimeout(this.reconcileTimer);
        clearInterval(this.reaperTimer);
        void core.follower.stop();
      },
    });
  }

  start(): void {
    if (this.started || this.isDisposed) {
      return;
    }
    this.started = true;
    this.deps.core.follower.start();
    void this.reconcileNow();
    this.reaperTimer = setInterval(() => void this.tickReaper(), REAPER_TICK_MS);
  }

  /** A full pass now (activation, settings changed, stream reconnect). Never throws. */
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
        await this.deps.core.reconciler.reconcile({ repair: true });
      }
    } catch (error) {
      this.deps.engineStatus.record(error);
      this.deps.logger.warn(`Reconcile failed: ${error instanceof Error ? error.message : String(error)}`);
      next = ENGINE_RETRY_MS;
    }
    if (!this.isDisposed) {
      this.reconcileTimer = setTimeout(() => void this.reconcileNow(), next);
    }
  }

  /** A light pass after engine events: observe only. */
  async observeNow(): Promise<void> {
    if (!this.started) {
      return;
    }
    try {
      await this.deps.core.reconciler.reconcile({ repair: false });
    } catch (error) {
      this.deps.engineStatus.record(error);
    }
  }

  /** The Refresh command: detect the engine again, re-read the apps and the leases. */
  async refresh(): Promise<void> {
    this.deps.core.engines.invalidate();
    await this.deps.catalog.refresh();
    await this.reconcileNow();
    this.idleChecked.fire();
  }

  private async tickReaper(): Promise<void> {
    if (this.deps.engineStatus.state !== 'ready') {
      return;
    }
    try {
      await this.deps.core.reaper.tick();
      this.idleChecked.fire();
    } catch (error) {
      this.deps.logger.warn(`Idle check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
