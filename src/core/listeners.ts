/**
 * Where an app really listens, read from its network namespace's /proc/net/tcp and tcp6, and what
 * that means for a start: an app that binds another port than the published one, or loopback
 * only, will never answer — say so in seconds, not after the startup timeout.
 */

export interface Listener {
  /** Dotted IPv4 or RFC 5952 IPv6 (`0.0.0.0`, `::`, `127.0.0.1`, `::1`, …). */
  readonly address: string;
  readonly port: number;
}

const LISTEN = '0A';

/** IPv4 in /proc/net/tcp: one little-endian 32-bit word (`0100007F` = 127.0.0.1). */
function ipv4(hex: string): string {
  const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

/** IPv6 in /proc/net/tcp6: four little-endian 32-bit words. */
function ipv6(hex: string): string {
  const groups: string[] = [];
  for (let word = 0; word < 4; word++) {
    const w = hex.slice(word * 8, word * 8 + 8);
    const bytes = [6, 4, 2, 0].map((i) => w.slice(i, i + 2));
    groups.push(`${bytes[0]}${bytes[1]}`, `${bytes[2]}${bytes[3]}`);
  }
  const full = groups.map((g) => parseInt(g, 16).toString(16));
  // IPv4-mapped (::ffff:a.b.c.d) reads as the IPv4 address.
  if (full.slice(0, 5).every((g) => g === '0') && full[5] === 'ffff') {
    return ipv4(hex.slice(24, 32));
  }
  return compress(full);
}

function compress(groups: string[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') {
      j++;
    }
    if (j - i > best.length) {
      best = { start: i, length: j - i };
    }
    i = j;
  }
  if (best.length < 2) {
    return groups.join(':');
  }
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** The listening sockets in the text of /proc/net/tcp and/or tcp6 (any number of both, concatenated). */
export function parseProcNetTcp(text: string): Listener[] {
  const result: Listener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (fields[3] !== LISTEN || !local || !/^[0-9A-F]+:[0-9A-F]{4}$/i.test(local)) {
      continue;
    }
    const [addressHex = '', portHex = ''] = local.split(':');
    const address = addressHex.length === 8 ? ipv4(addressHex) : addressHex.length === 32 ? ipv6(addressHex) : undefined;
    if (address !== undefined) {
      result.push({ address, port: parseInt(portHex, 16) });
    }
  }
  return result;
}

export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

export type ListenDiagnosis =
  /** It listens where it should (or not yet anywhere): keep waiting. */
  | { readonly kind: 'fine' }
  /** It listens on the published port, but on loopback only: unreachable, and it will stay so. */
  | { readonly kind: 'loopbackOnly'; readonly listener: Listener }
  /** It listens (reachably) on another port than the published one. */
  | { readonly kind: 'otherPort'; readonly listener: Listener };

/** How long a socket must have been there before it counts (an app may bind something briefly). */
export const STABLE_MS = 500;

/**
 * Follows what the app listens on across polls: a listener counts once it has been there for
 * STABLE_MS. The published port listened on a reachable address settles everything.
 */
export class ListenWatch {
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly containerPort: number) {}

  observe(listeners: readonly Listener[], now: number): ListenDiagnosis {
    const present = new Set<string>();
    for (const l of listeners) {
      const key = `${l.address}|${l.port}`;
      present.add(key);
      if (!this.firstSeen.has(key)) {
        this.firstSeen.set(key, now);
      }
    }
    for (const key of [...this.firstSeen.keys()]) {
      if (!present.has(key)) {
        this.firstSeen.delete(key);
      }
    }
    const stable = listeners.filter((l) => now - (this.firstSeen.get(`${l.address}|${l.port}`) ?? now) >= STABLE_MS);
    const onPort = listeners.filter((l) => l.port === this.containerPort);
    if (onPort.some((l) => !isLoopbackAddress(l.address))) {
      return { kind: 'fine' };
    }
    const loopbackOnPort = stable.find((l) => l.port === this.containerPort);
    if (loopbackOnPort) {
      return { kind: 'loopbackOnly', listener: loopbackOnPort };
    }
    // Another port: reachable ones first (those the user can switch to), lowest port first.
    const others = stable.filter((l) => l.port !== this.containerPort).sort((a, b) => Number(isLoopbackAddress(a.address)) - Number(isLoopbackAddress(b.address)) || a.port - b.port);
    const other = others[0];
    return other ? { kind: 'otherPort', listener: other } : { kind: 'fine' };
  }
}

/** The sentence for the user: where it listens, why that does not work, and the fix. */
export function describeDiagnosis(appId: string, containerPort: number, diagnosis: Exclude<ListenDiagnosis, { kind: 'fine' }>): string {
  const { address, port } = diagnosis.listener;
  const at = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  if (diagnosis.kind === 'loopbackOnly') {
    return `${appId} listens on ${at} inside its container, loopback only, so the published port cannot reach it. Make it listen on all interfaces (0.0.0.0, e.g. its --host 0.0.0.0 flag or the HOST variable we set).`;
  }
  if (isLoopbackAddress(address)) {
    return `${appId} listens on ${at} inside its container (loopback only), not on container port ${containerPort}, which is the one published. Make it listen on 0.0.0.0:${containerPort} (it gets PORT=${containerPort}), or on 0.0.0.0:${port} and set previewContainers.apps[].containerPort to ${port}.`;
  }
  return `${appId} listens on ${at} inside its container, not on container port ${containerPort}, which is the one published. Use port ${port} for it (previewContainers.apps[].containerPort), or make it listen on PORT (${containerPort}).`;
}
