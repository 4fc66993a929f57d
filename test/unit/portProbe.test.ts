import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ConnectPortProbe, probeFor, TcpPortProbe } from '../../src/core/portProbe';

function listen(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ port: 0, host }, () => resolve(server));
  });
}

const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;
const close = (server: net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('ConnectPortProbe (ports on a remote engine host)', () => {
  it('a port that accepts connections is taken; once closed it is free', async () => {
    const server = await listen('127.0.0.1');
    const port = portOf(server);
    const probe = new ConnectPortProbe('127.0.0.1');
    assert.equal(await probe.isFree(port), false);
    await close(server);
    assert.equal(await probe.isFree(port), true);
  });

  it('a host that does not answer in time counts as free, without blocking longer than the timeout', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the connection times out or fails at once.
    const started = Date.now();
    assert.equal(await new ConnectPortProbe('192.0.2.1', 200).isFree(32100), true);
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
  });

  it('probeFor binds locally and connects to a remote engine host', () => {
    assert.ok(probeFor(undefined, '127.0.0.1') instanceof TcpPortProbe);
    assert.ok(probeFor('build-box.example', '0.0.0.0') instanceof ConnectPortProbe);
  });
});
