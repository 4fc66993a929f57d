import * as net from 'node:net';

/** "Can a new listener bind this port right now?" — injected so tests can simulate anything. */
export interface PortProbe {
  isFree(port: number): Promise<boolean>;
}

/**
 * The addresses to try for a bind address. A port is only free if *both* loopback families are
 * free: a browser resolving `localhost` may try ::1 first and reach a foreign IPv6 listener.
 */
export function probeAddresses(bindAddress: string): string[] {
  switch (bindAddress) {
    case '127.0.0.1':
    case 'localhost':
      return ['127.0.0.1', '::1'];
    case '::1':
      return ['::1', '127.0.0.1'];
    case '0.0.0.0':
      return ['0.0.0.0', '::'];
    case '::':
      return ['::', '0.0.0.0'];
    default:
      return [bindAddress];
  }
}

/** Errors meaning "this address family is not available here", not "the port is taken". */
const FAMILY_UNAVAILABLE = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EINVAL']);

function tryBind(port: number, host: string): Promise<boolean | 'unavailable'> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code && FAMILY_UNAVAILABLE.has(error.code) ? 'unavailable' : false);
    });
    server.listen({ port, host, exclusive: true, ipv6Only: host.includes(':') }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** Probes by binding real sockets on every relevant address. */
export class TcpPortProbe implements PortProbe {
  private readonly addresses: string[];

  constructor(bindAddress: string) {
    this.addresses = probeAddresses(bindAddress);
  }

  async isFree(port: number): Promise<boolean> {
    let anyAvailable = false;
    for (const host of this.addresses) {
      const result = await tryBind(port, host);
      if (result === false) {
        return false;
      }
      anyAvailable ||= result === true;
    }
    return anyAvailable;
  }
}

/**
 * Probes a port on another machine (a remote engine's host), where binding is impossible: a port
 * that accepts a connection is taken; a refused one is free. When the host cannot tell (filtered,
 * unreachable, timed out) the answer is "free": the engine's published-port list and its refusal
 * of a taken port remain the arbiters there, and a probe must never block a start.
 */
export class ConnectPortProbe implements PortProbe {
  constructor(
    private readonly host: string,
    private readonly timeoutMs = 300,
  ) {}

  isFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: this.host, port });
      const done = (free: boolean): void => {
        socket.destroy();
        resolve(free);
      };
      socket.setTimeout(this.timeoutMs, () => done(true));
      socket.once('connect', () => done(false));
      socket.once('error', () => done(true));
    });
  }
}

/** The probe for where containers publish: this machine (bind), or a remote engine's host (connect). */
export function probeFor(engineHost: string | undefined, bindAddress: string): PortProbe {
  return engineHost === undefined ? new TcpPortProbe(bindAddress) : new ConnectPortProbe(engineHost);
}
