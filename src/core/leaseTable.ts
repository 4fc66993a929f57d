import type { Lease } from './leaseStore';
import { PortBitmap } from './portBitmap';

/**
 * The lease table: leases by app key, with an index by port (and a bitmap of leased ports), so
 * "is this port leased to another app?" is one lookup and "the lowest port nobody leases" a word
 * scan, wherever they are asked (allocation, adoption, repair, journal merges).
 */
export class LeaseTable implements Iterable<[string, Lease]> {
  private readonly byKey = new Map<string, Lease>();
  /** Holders per port: one, except for a moment inside a merge (never written so). */
  private readonly byPort = new Map<number, string[]>();
  private readonly leased = new PortBitmap();

  constructor(leases: Iterable<Lease> = []) {
    for (const lease of leases) {
      this.set(lease.key, lease);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): Lease | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Sets the app's lease; a lease of another app on the same port is left for the caller to settle. */
  set(key: string, lease: Lease): this {
    const before = this.byKey.get(key);
    if (before) {
      this.unindex(key, before.port);
    }
    this.byKey.set(key, lease);
    const holders = this.byPort.get(lease.port);
    if (holders) {
      holders.push(key);
    } else {
      this.byPort.set(lease.port, [key]);
      this.leased.set(lease.port);
    }
    return this;
  }

  delete(key: string): boolean {
    const lease = this.byKey.get(key);
    if (!lease) {
      return false;
    }
    this.byKey.delete(key);
    this.unindex(key, lease.port);
    return true;
  }

  /** The lease on `port`, if any (the first one set, should a merge pass through two). */
  holderOf(port: number): Lease | undefined {
    const key = this.byPort.get(port)?.[0];
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Whether `port` is leased to an app other than `key`. */
  leasedToOther(port: number, key: string): boolean {
    const holders = this.byPort.get(port);
    return holders !== undefined && holders.some((holder) => holder !== key);
  }

  /** The lowest port in [from, to] that no app leases, if any. */
  nextUnleased(from: number, to: number): number | undefined {
    return this.leased.nextClear(from, to);
  }

  values(): IterableIterator<Lease> {
    return this.byKey.values();
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  entries(): IterableIterator<[string, Lease]> {
    return this.byKey.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, Lease]> {
    return this.byKey.entries();
  }

  private unindex(key: string, port: number): void {
    const holders = this.byPort.get(port);
    if (!holders) {
      return;
    }
    const at = holders.indexOf(key);
    if (at >= 0) {
      holders.splice(at, 1);
    }
    if (holders.length === 0) {
      this.byPort.delete(port);
      this.leased.clear(port);
    }
  }
}
