import type { Lease } from './leaseRecords';

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When the app was last used: started, seen running, stopped, or used in a preview or by an
 * explicit action. Leases written before `lastUsedAt` existed fall back to their last change,
 * which then was always one of those.
 */
export function lastUsedOf(lease: Lease): number {
  return Math.max(lease.lastUsedAt ?? lease.updatedAt, lease.lastActiveAt ?? 0, lease.allocatedAt);
}

/** When the lease expires if its app stays unused and without a running container (undefined: never). */
export function expiresAt(lease: Lease, expiryDays: number): number | undefined {
  return expiryDays > 0 ? lastUsedOf(lease) + expiryDays * DAY_MS : undefined;
}

/**
 * Expired: confirmed (an unconfirmed lease is a start, and repair's business), no container of it
 * running, and unused for longer than the expiry window. Inside the window the sticky promise holds.
 */
export function isExpired(lease: Lease, running: boolean, now: number, expiryDays: number): boolean {
  const at = expiresAt(lease, expiryDays);
  return at !== undefined && lease.confirmed === true && !running && now > at;
}

/** A running app is in use: its `lastUsedAt` is brought forward when it is this much behind. */
export const SEEN_RUNNING_RESOLUTION_MS = 60 * 60 * 1000;
