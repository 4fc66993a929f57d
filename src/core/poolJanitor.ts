import * as l10n from '@vscode/l10n';
import { promises as fs } from 'node:fs';
import { containerNameFor } from './appIdentity';
import { appVolumesFor } from './buildCache';
import type { ContainerEngine } from './engine/containerEngine';
import { isOurs, LABEL_PATH } from './engine/labels';
import type { ContainerSummary } from './engine/types';
import { inRange } from './portRange';
import { isExpired } from './leaseExpiry';
import type { Lease } from './leaseRecords';
import type { Clock, Logger } from './logger';
import type { PortAllocator } from './portAllocator';

/** Why a lease was collected: its folder is gone, nobody used it within the expiry window, or its start never finished. */
export type CollectReason = 'folderGone' | 'expired' | 'abandoned';

export interface CollectedLease {
  readonly appId: string;
  readonly port: number;
  readonly folder: string;
  readonly reason: CollectReason;
}

/** What "Release Unused Ports" did and what the pool holds afterwards. */
export interface PoolCleanup {
  readonly released: readonly CollectedLease[];
  readonly left: { readonly size: number; readonly leased: number; readonly running: number };
}

export interface PoolJanitorDeps {
  readonly allocator: PortAllocator;
  readonly engine: () => Promise<ContainerEngine>;
  /** `previewContainers.leaseExpiryDays` (0: never). */
  readonly expiryDays: () => number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whether an app folder still exists (test seam; default: the file system, with a time limit). */
  readonly folderExists?: (folder: string) => Promise<boolean>;
  /** An unconfirmed lease younger than this belongs to a start in flight (see ReconcilerOptions.freshLeaseMs). */
  readonly freshLeaseMs: number;
}

/** A folder that does not answer in time (a hung network mount) counts as there: never release on doubt. */
const FOLDER_CHECK_MS = 2000;

export async function folderExists(folder: string): Promise<boolean> {
  const check = fs.stat(folder).then(
    (stat) => stat.isDirectory(),
    (error: NodeJS.ErrnoException) => !(error.code === 'ENOENT' || error.code === 'ENOTDIR'),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), FOLDER_CHECK_MS)));
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Keeps the pool from silting up: releases leases nobody can use any more — the folder is gone,
 * or the app was not used for `leaseExpiryDays` and has no running container — with their stopped
 * containers and dependency caches. Inside the expiry window a lease is never touched, and a
 * running container always keeps its lease.
 */
export class PoolJanitor {
  constructor(private readonly deps: PoolJanitorDeps) {}

  /** Leases that would be collected now, and why (`abandoned`: also unconfirmed leases of starts that never finished). */
  async deadLeases(leases: readonly Lease[], containers: readonly ContainerSummary[], options: { abandoned: boolean }): Promise<{ lease: Lease; reason: CollectReason }[]> {
    const now = this.deps.clock();
    const expiryDays = this.deps.expiryDays();
    const running = new Set(containers.filter((c) => c.running && isOurs(c.labels)).map((c) => c.labels[LABEL_PATH]));
    const exists = this.deps.folderExists ?? folderExists;
    const candidates = leases.filter((lease) => !running.has(lease.key));
    const present = await Promise.all(candidates.map((lease) => exists(lease.key)));
    const dead: { lease: Lease; reason: CollectReason }[] = [];
    candidates.forEach((lease, i) => {
      if (!present[i]) {
        dead.push({ lease, reason: 'folderGone' });
      } else if (isExpired(lease, false, now, expiryDays)) {
        dead.push({ lease, reason: 'expired' });
      } else if (options.abandoned && !lease.confirmed && now - lease.updatedAt > this.deps.freshLeaseMs) {
        dead.push({ lease, reason: 'abandoned' });
      }
    });
    return dead;
  }

  /** Releases the dead leases among `leases` (a reconcile pass: the containers it just listed). */
  async collect(leases: readonly Lease[], containers: readonly ContainerSummary[], options: { abandoned: boolean }): Promise<CollectedLease[]> {
    const engine = await this.deps.engine();
    const collected: CollectedLease[] = [];
    for (const { lease, reason } of await this.deadLeases(leases, containers, options)) {
      if (await this.release(engine, lease, containers)) {
        collected.push({ appId: lease.appId, port: lease.port, folder: lease.key, reason });
      }
    }
    if (collected.length > 0) {
      this.deps.logger.info(`Released unused ports: ${collected.map((c) => `${c.appId} :${c.port} (${describeReason(c.reason)})`).join(', ')}.`);
    }
    return collected;
  }

  /** "Release Unused Ports": everything dead now, at once, and what is left. */
  async releaseUnused(range: { readonly start: number; readonly end: number; readonly size: number }): Promise<PoolCleanup> {
    const engine = await this.deps.engine();
    const containers = await engine.list({ all: true, ours: true });
    const released = await this.collect(await this.deps.allocator.leases(), containers, { abandoned: true });
    const left = (await this.deps.allocator.leases()).filter((lease) => inRange(range, lease.port));
    const running = new Set(containers.filter((c) => c.running && isOurs(c.labels)).map((c) => c.labels[LABEL_PATH]));
    return { released, left: { size: range.size, leased: left.length, running: left.filter((l) => running.has(l.key)).length } };
  }

  /**
   * Stopped containers first, not forced (one started meanwhile refuses and keeps its lease), then
   * the lease only if nobody changed it since it was judged, then the dependency cache.
   */
  private async release(engine: ContainerEngine, lease: Lease, containers: readonly ContainerSummary[]): Promise<boolean> {
    const name = containerNameFor(lease);
    try {
      for (const container of containers.filter((c) => !c.running && (c.name === name || (isOurs(c.labels) && c.labels[LABEL_PATH] === lease.key)))) {
        await engine.remove(container.id, false);
      }
    } catch (error) {
      this.deps.logger.info(`Kept the port of ${lease.appId}: its container could not be removed (${error instanceof Error ? error.message : String(error)}).`);
      return false;
    }
    const port = await this.deps.allocator.releaseIf(lease.key, (current) => current.updatedAt === lease.updatedAt && current.port === lease.port);
    if (port === undefined) {
      return false;
    }
    await engine.removeVolumes(appVolumesFor(lease)).catch((error: unknown) => {
      this.deps.logger.warn(`Could not remove the dependency and build caches of ${lease.appId}: ${error instanceof Error ? error.message : String(error)}`);
    });
    return true;
  }
}

export function describeReason(reason: CollectReason): string {
  switch (reason) {
    case 'folderGone':
      return l10n.t('its folder is gone');
    case 'expired':
      return l10n.t('unused for longer than previewContainers.leaseExpiryDays');
    case 'abandoned':
      return l10n.t('a start that never finished');
  }
}

/** What "Release Unused Ports" tells: what it released and why, and what the pool holds now. */
export function describeCleanup(cleanup: PoolCleanup): string {
  const { released, left } = cleanup;
  const what =
    released.length === 0
      ? l10n.t('No port was unused: every lease belongs to an existing folder used within previewContainers.leaseExpiryDays.')
      : l10n.t('Released {0} port(s): {1}.', released.length, released.map((r) => `${r.appId} :${r.port} (${describeReason(r.reason)})`).join(', '));
  return `${what} ${l10n.t('Left: {0} of {1} ports leased, {2} of them running.', left.leased, left.size, left.running)}`;
}
