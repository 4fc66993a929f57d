import type { AppController } from './appController';
import type { AppRef } from './appIdentity';
import type { ContainerEngine } from './engine/containerEngine';
import { isOurs, LABEL_APP, LABEL_PATH } from './engine/labels';
import type { IdlePolicy } from './leaseRecords';
import type { Clock, Logger } from './logger';
import type { PortAllocator } from './portAllocator';

export interface IdleSettings {
  /** 0 = never reap. */
  readonly idleTimeoutMinutes: number;
  readonly releasePortOnIdle: boolean;
}

export interface IdleReaperDeps {
  readonly controller: AppController;
  readonly allocator: PortAllocator;
  readonly engine: () => Promise<ContainerEngine>;
  /** This window's apps (others found running are reaped too, by their lease's recorded policy). */
  readonly apps: () => readonly AppRef[];
  /** Apps whose preview tab is visible in this window: never reaped, and kept active for other windows. */
  readonly visibleAppKeys: () => readonly string[];
  readonly settings: () => IdleSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Asks the user, shortly before, whether to keep the app; resolves true for "Keep running". */
  readonly warn: (app: AppRef, stopsInMs: number) => Promise<boolean>;
}

export interface IdleReport {
  readonly stopped: string[];
  readonly warned: string[];
}

/** How long before the stop the warning comes (a tenth of the timeout, between 30 s and 2 min). */
export function warningLeadMs(timeoutMs: number): number {
  return Math.min(120_000, Math.max(30_000, timeoutMs / 10));
}

/** Re-recording activity more often than this adds nothing but writes. */
const ACTIVITY_WRITE_INTERVAL_MS = 60_000;

/**
 * Stops apps nobody uses. "Used" means: a preview tab visible in some window, or an explicit
 * action (run, open preview, "Keep running"); both are recorded in the shared lease table, so a
 * window never stops an app whose preview is open in another. The clock is injected and `tick`
 * is driven by the caller, so tests need no real waiting.
 */
export class IdleReaper {
  private readonly warnedFor = new Map<string, number>();
  private readonly localActivity = new Map<string, number>();
  private readonly lastWritten = new Map<string, number>();

  constructor(private readonly deps: IdleReaperDeps) {}

  /** Records explicit activity now (and in the shared table). */
  async markActive(app: Pick<AppRef, 'key'>): Promise<void> {
    const now = this.deps.clock();
    this.localActivity.set(app.key, now);
    this.warnedFor.delete(app.key);
    this.lastWritten.set(app.key, now);
    await this.deps.allocator.markActive(app, now);
  }

  /** Milliseconds until the app would be stopped, if a timeout applies (for tooltips). */
  async stopsIn(app: Pick<AppRef, 'key'>, startedAt: number | undefined): Promise<number | undefined> {
    const timeoutMs = this.deps.settings().idleTimeoutMinutes * 60_000;
    if (timeoutMs === 0 || this.deps.visibleAppKeys().includes(app.key)) {
      return undefined;
    }
    const lease = await this.deps.allocator.lease(app.key);
    const last = Math.max(lease?.lastActiveAt ?? 0, startedAt ?? 0, this.localActivity.get(app.key) ?? 0);
    return Math.max(0, last + timeoutMs - this.deps.clock());
  }

  /** Milliseconds until each running app would be stopped (for the tree's tooltips); apps without a timeout are left out. */
  async countdowns(running: readonly { readonly app: Pick<AppRef, 'key'>; readonly startedAt: number | undefined }[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    for (const { app, startedAt } of running) {
      const left = await this.stopsIn(app, startedAt).catch(() => undefined);
      if (left !== undefined) {
        result.set(app.key, left);
      }
    }
    return result;
  }

  async tick(): Promise<IdleReport> {
    const report: IdleReport = { stopped: [], warned: [] };
    const now = this.deps.clock();
    const visible = new Set(this.deps.visibleAppKeys());
    // Keep visible previews active where other windows see it.
    for (const key of visible) {
      if (now - (this.lastWritten.get(key) ?? 0) >= ACTIVITY_WRITE_INTERVAL_MS) {
        this.lastWritten.set(key, now);
        await this.deps.allocator.markActive({ key }, now);
      }
    }
    const settings = this.deps.settings();
    const engine = await this.deps.engine();
    const running = (await engine.list({ all: false, ours: true })).filter((c) => c.running && isOurs(c.labels));
    const leases = new Map((await this.deps.allocator.leases()).map((l) => [l.key, l]));
    const own = new Map(this.deps.apps().map((a) => [a.key, a]));
    for (const container of running) {
      const key = container.labels[LABEL_PATH];
      if (visible.has(key)) {
        this.warnedFor.delete(key);
        continue;
      }
      const lease = leases.get(key);
      // Another installation's app (its own lease table): its activity is not visible here.
      if (!own.has(key) && lease === undefined) {
        continue;
      }
      // Each app by its own window's policy: another workspace's app only by what its lease recorded.
      const policy = own.has(key) ? { timeoutMinutes: settings.idleTimeoutMinutes, releasePort: settings.releasePortOnIdle } : lease?.idle;
      const timeoutMs = (policy?.timeoutMinutes ?? 0) * 60_000;
      if (policy === undefined || timeoutMs === 0) {
        this.warnedFor.delete(key);
        continue;
      }
      const app = own.get(key) ?? { key, appId: container.labels[LABEL_APP] ?? container.name, folder: key, name: container.labels[LABEL_APP] ?? container.name, root: key };
      // A start in flight (here or in another window) is not idle.
      if ((lease !== undefined && !lease.confirmed) || this.deps.controller.stateOf(app).status === 'starting') {
        continue;
      }
      const stateStart = this.deps.controller.stateOf(app).startedAt;
      const last = Math.max(lease?.lastActiveAt ?? 0, container.startedAt ?? stateStart ?? now, this.localActivity.get(key) ?? 0);
      const stopsIn = last + timeoutMs - now;
      if (stopsIn <= 0) {
        await this.reap(engine, app, own.has(key), container.id, policy);
        report.stopped.push(app.appId);
        this.warnedFor.delete(key);
      } else if (stopsIn <= warningLeadMs(timeoutMs) && this.warnedFor.get(key) !== last) {
        this.warnedFor.set(key, last);
        report.warned.push(app.appId);
        void this.deps
          .warn(app, stopsIn)
          .then((keep) => (keep ? this.markActive(app) : undefined))
          .catch((error: unknown) => this.deps.logger.warn(`Could not record "Keep running" for ${app.appId}: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    return report;
  }

  private async reap(engine: ContainerEngine, app: AppRef, ownApp: boolean, containerId: string, policy: IdlePolicy): Promise<void> {
    const release = policy.releasePort;
    this.deps.logger.info(`${app.appId} was idle for ${policy.timeoutMinutes} min${ownApp ? '' : ' (its own workspace\'s idle setting)'}: stopping it${release ? ' and releasing its port' : ''}.`);
    if (ownApp) {
      // The dependency cache stays: the next start should not reinstall everything.
      await (release ? this.deps.controller.release(app, { keepCache: true }) : this.deps.controller.stop(app));
      return;
    }
    // An app of a workspace no window shows: act on the engine and the lease table directly.
    if (release) {
      await engine.remove(containerId);
      await this.deps.allocator.releasePort(app);
    } else {
      await engine.stop(containerId);
    }
  }
}
