/**
 * One bit per TCP port (8 KB for all 65 536): "the lowest port from here that nobody leases" is a
 * scan over 32-port words, so finding a free port past 5 000 leased ones costs ~160 word reads
 * instead of 5 000 lookups (the Kubernetes service-IP allocator keeps a bitmap for the same reason).
 */
export class PortBitmap {
  private readonly words = new Uint32Array(65536 / 32);

  set(port: number): void {
    this.words[port >>> 5] |= 1 << (port & 31);
  }

  clear(port: number): void {
    this.words[port >>> 5] &= ~(1 << (port & 31));
  }

  has(port: number): boolean {
    return (this.words[port >>> 5] & (1 << (port & 31))) !== 0;
  }

  /** The lowest port in [from, to] whose bit is clear, if any. */
  nextClear(from: number, to: number): number | undefined {
    let port = Math.max(0, from);
    while (port <= to && port < 65536) {
      const word = this.words[port >>> 5];
      if (word === 0xffffffff && (port & 31) === 0) {
        port += 32; // a whole word leased: skip it
        continue;
      }
      if ((word & (1 << (port & 31))) === 0) {
        return port;
      }
      port++;
    }
    return undefined;
  }
}
