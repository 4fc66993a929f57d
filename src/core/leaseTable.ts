import type { Lease } from './leaseStore';

/**
 * The lease table: leases by app key, with an index by port, so "is this port leased to another
 * app?" is one lookup wherever it is asked (allocation, adoption, repair, journal merges).
 */
export class LeaseTable implements Iterable<[string, Lease]> {
  private readonly byKey = new Map<string, Lease>();
  private readonly byPort = new Map<number, string>();

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
    if (before && this.byPort.get(before.port) === key) {
      this.byPort.delete(before.port);
    }
    this.byKey.set(key, lease);
    this.byPort.set(lease.port, key);
    return this;
  }

  delete(key: string): boolean {
    const lease = this.byKey.get(key);
    if (!lease) {
      return false;
    }
    this.byKey.delete(key);
    if (this.byPort.get(lease.port) === key) {
      this.byPort.delete(lease.port);
      // Two leases on one port (never written, but a merge may pass through it): keep the other indexed.
      for (const other of this.byKey.values()) {
        if (other.port === lease.port) {
          this.byPort.set(other.port, other.key);
          break;
        }
      }
    }
    return true;
  }

  /** The lease on `port`, if any. */
  holderOf(port: number): Lease | undefined {
    const key = this.byPort.get(port);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Whether `port` is leased to an app other than `key`. */
  leasedToOther(port: number, key: string): boolean {
    const holder = this.byPort.get(port);
    return holder !== undefined && holder !== key;
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
}
