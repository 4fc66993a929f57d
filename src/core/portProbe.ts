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
