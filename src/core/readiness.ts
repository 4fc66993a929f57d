import * as http from 'node:http';
import { sleep } from './timing';

/** The slowest poll: an app that takes minutes (an install) is still noticed within a quarter second. */
export const SLOWEST_POLL_MS = 250;

/**
 * Polls `http://host:port/` until any HTTP response arrives (status does not matter: a 404 or
 * 500 still means the server is up) or `signal` aborts. Short intervals first — most apps answer
 * within a second or two — then backing off so a slow install costs little CPU. `stretch` spaces
 * the polls further while other starts wait too (StartPacing).
 */
export async function waitForHttp(host: string, port: number, signal: AbortSignal, stretch: (interval: number) => number = (interval) => interval): Promise<void> {
  const started = Date.now();
  while (!signal.aborted) {
    if (await answers(host, port, signal)) {
      return;
    }
    const elapsed = Date.now() - started;
    const interval = elapsed < 3000 ? 10 : elapsed < 30_000 ? 50 : SLOWEST_POLL_MS;
    await sleep(stretch(interval), signal);
  }
  throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** One attempt: true when the server answered with any HTTP status. */
export function answers(host: string, port: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host, port, path: '/', agent: false, timeout: 2000, signal, headers: { 'user-agent': 'preview-containers-readiness' } }, (response) => {
      response.resume();
      request.destroy();
      resolve(true);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** Whether a host name or address (URL form `[::1]` too) means this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  return ['localhost', '127.0.0.1', '::1'].includes(host.toLowerCase().replace(/^\[|\]$/g, ''));
}

/** The address to reach a port published on `bindAddress` from this machine. */
export function reachableHost(bindAddress: string): string {
  if (bindAddress === '0.0.0.0') {
    return '127.0.0.1';
  }
  if (bindAddress === '::') {
    return '::1';
  }
  return bindAddress;
}
