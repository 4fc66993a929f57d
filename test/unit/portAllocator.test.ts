import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { PoolExhaustedError } from '../../src/core/errors';
import { FileLeaseJournal } from '../../src/core/fileLeaseJournal';
import { FileLock } from '../../src/core/interProcessLock';
import { LEASES_KEY, LeaseStore } from '../../src/core/leaseStore';
import { InMemoryMemento } from '../../src/core/memento';
import { PortAllocator, PortLease } from '../../src/core/portAllocator';
import { parsePortRange } from '../../src/core/portRange';
import { TcpPortProbe } from '../../src/core/portProbe';
import { app, FakeClock, FakeEngineUsage, makeAllocator, RecordingLogger, tempDir } from './helpers';

function listen(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host, ipv6Only: host.includes(':') }, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port the OS just gave out, plus the next few, as a small real range for probing tests. */
async function ephemeralRangeStart(): Promise<number> {
  const server = await listen(0, '127.0.0.1');
  const port = (server.address() as net.AddressInfo).port;
  await close(server);
  return Math.min(port, 65000);
}

async function ipv6Available(): Promise<boolean> {
  try {
    await close(await listen(0, '::1'));
    return true;
  } catch {
    return false;
  }
}

describe('PortAllocator', () => {
  it('runs the seed scenario literally: 56, 57, 58 → 32100, 32101, 32102; 56 again → 32100', async () => {
    const { allocator } = makeAllocator();
    assert.equal((await allocator.allocatePort(app('56'))).port, 32100);
    assert.equal((await allocator.allocatePort(app('57'))).port, 32101);
    assert.equal((await allocator.allocatePort(app('58'))).port, 32102);
    assert.equal((await allocator.allocatePort(app('56'))).port, 32100);
  });

  it('lists allocations with counts: 2 allocated → 99 available', async () => {
    const { allocator } = makeAllocator();
    await allocator.allocatePort(app('56'));
    await allocator.allocatePort(app('57'));
    const list = await allocator.listAllocations();
    assert.equal(list.allocatedCount, 2);
    assert.equal(list.availableCount, 99);
    assert.deepEqual(
      list.allocated.map((a) => [a.appId, a.port]),
      [
        ['56', 32100],
        ['57', 32101],
      ],
    );
    assert.equal(list.allocated[0]?.folder, app('56').key);
    assert.deepEqual(list.range, { start: 32100, end: 32200, size: 101 });
  });

  it('is sticky across other allocations and releases', async () => {
    const { allocator } = makeAllocator();
    await allocator.allocatePort(app('a'));
    const b = await allocator.allocatePort(app('b'));
    await allocator.allocatePort(app('c'));
    await allocator.releasePort(app('a'));
    assert.equal((await allocator.allocatePort(app('b'))).port, b.port);
  });

  it('hands out the lowest free port after a release', async () => {
    const { allocator } = makeAllocator();
    await allocator.allocatePort(app('56'));
    await allocator.allocatePort(app('57'));
    await allocator.allocatePort(app('58'));
    assert.equal(await allocator.releasePort(app('57')), 32101);
    assert.equal(await allocator.releasePort(app('57')), undefined);
    assert.equal((await allocator.allocatePort(app('59'))).port, 32101);
  });

  it('survives a new allocator on the same memento (persistence)', async () => {
    const first = makeAllocator();
    await first.allocator.allocatePort(app('x'));
    await first.allocator.allocatePort(app('y'));
    await first.allocator.flush(); // globalState is written a moment after the change
    const second = makeAllocator({ memento: first.memento });
    assert.equal((await second.allocator.allocatePort(app('y'))).port, 32101);
    assert.equal((await second.allocator.allocatePort(app('z'))).port, 32102);
  });

  it('fails the 102nd app with a clear pool-full error naming the size and holders', async () => {
    const { allocator } = makeAllocator();
    for (let i = 0; i < 101; i++) {
      await allocator.allocatePort(app(`app-${i}`));
    }
    await assert.rejects(allocator.allocatePort(app('one-too-many')), (error: unknown) => {
      assert.ok(error instanceof PoolExhaustedError);
      assert.match(error.message, /port pool is full/);
      assert.match(error.message, /101 ports of 32100–32200/);
      assert.match(error.message, /app-0 :32100/);
      assert.match(error.message, /and 96 more/);
      assert.match(error.message, /Release App Port|widen/);
      assert.equal(error.holders.length, 101);
      return true;
    });
    const list = await allocator.listAllocations();
    assert.equal(list.allocatedCount, 101);
    assert.equal(list.availableCount, 0);
  });

  it('skips a port held by a foreign IPv4 listener (real socket)', async () => {
    const start = await ephemeralRangeStart();
    const foreign = await listen(start, '127.0.0.1');
    try {
      const probe = new TcpPortProbe('127.0.0.1');
      const range = parsePortRange(start, start + 20);
      const { allocator } = makeAllocator({ probe, range: () => range });
      const lease = await allocator.allocatePort(app('web'));
      assert.notEqual(lease.port, start);
      assert.ok(lease.port > start && lease.port <= start + 20);
    } finally {
      await close(foreign);
    }
  });

  it('skips a port held by a foreign IPv6-only listener on ::1 (real socket)', async function () {
    if (!(await ipv6Available())) {
      assert.ok(!process.env.CI, 'CI machines must have an IPv6 loopback for this test');
      this.skip(); // a developer machine without IPv6 loopback: nothing to test
    }
    const start = await ephemeralRangeStart();
    const foreign = await listen(start, '::1');
    try {
      const probe = new TcpPortProbe('127.0.0.1');
      assert.equal(await probe.isFree(start), false);
      const range = parsePortRange(start, start + 20);
      const { allocator } = makeAllocator({ probe, range: () => range });
      assert.notEqual((await allocator.allocatePort(app('web'))).port, start);
    } finally {
      await close(foreign);
    }
  });

  it('moves a held lease whose port is now taken by something else', async () => {
    const { allocator, probe } = makeAllocator();
    assert.equal((await allocator.allocatePort(app('web'))).port, 32100);
    probe.busy.add(32100);
    assert.equal((await allocator.allocatePort(app('web'))).port, 32101);
    assert.equal((await allocator.listAllocations()).allocatedCount, 1);
  });

  it('skips ports the engine reports (foreign container, or another app’s stopped container)', async () => {
    const engine = new FakeEngineUsage();
    engine.ports.set(32100, { ownerKey: undefined, publishing: true });
    engine.ports.set(32101, { ownerKey: app('other').key, publishing: false });
    const { allocator } = makeAllocator({ engine });
    assert.equal((await allocator.allocatePort(app('web'))).port, 32102);
  });

  it('keeps a lease whose port the app’s own running container publishes (no probe needed)', async () => {
    const engine = new FakeEngineUsage();
    const { allocator, probe } = makeAllocator({ engine });
    assert.equal((await allocator.allocatePort(app('web'))).port, 32100);
    engine.ports.set(32100, { ownerKey: app('web').key, publishing: true });
    probe.busy.add(32100); // the container's own forwarding holds the socket
    assert.equal((await allocator.allocatePort(app('web'))).port, 32100);
  });

  it('honours `avoid` (ports the engine just refused) and moves the lease', async () => {
    const { allocator } = makeAllocator();
    assert.equal((await allocator.allocatePort(app('web'))).port, 32100);
    assert.equal((await allocator.allocatePort(app('web'), { avoid: [32100, 32101] })).port, 32102);
    assert.equal(await allocator.leaseOf(app('web').key), 32102);
  });

  it('moves a lease that is outside a changed range', async () => {
    let range = parsePortRange(32100, 32200);
    const { allocator } = makeAllocator({ range: () => range });
    assert.equal((await allocator.allocatePort(app('web'))).port, 32100);
    range = parsePortRange(40000, 40010);
    const before = await allocator.listAllocations();
    assert.equal(before.allocatedCount, 0);
    assert.equal(before.outsideRange.length, 1);
    assert.equal((await allocator.allocatePort(app('web'))).port, 40000);
  });

  it('gives two workspaces with the same relative path different leases and ports', async () => {
    const { allocator } = makeAllocator();
    const shop = await allocator.allocatePort(app('apps/web', '/home/ann/shop'));
    const blog = await allocator.allocatePort(app('apps/web', '/home/ann/blog'));
    assert.equal(shop.app.appId, blog.app.appId);
    assert.notEqual(shop.port, blog.port);
    const list = await allocator.listAllocations();
    assert.equal(list.allocatedCount, 2);
  });

  it('recovers from corrupted stored state with a warning', async () => {
    for (const garbage of ['nonsense', 42, [1, 2], { version: 99, leases: 'x' }, { version: 1, leases: [{ key: 1 }, null, 'x'] }]) {
      const memento = new InMemoryMemento();
      await memento.update(LEASES_KEY, garbage);
      const { allocator, logger } = makeAllocator({ memento });
      assert.equal((await allocator.allocatePort(app('web'))).port, 32100, JSON.stringify(garbage));
      assert.ok(logger.warnings.length > 0, `a warning for ${JSON.stringify(garbage)}`);
    }
  });

  it('keeps valid entries of a partly corrupted table', async () => {
    const memento = new InMemoryMemento();
    const good = { key: app('good').key, appId: 'good', port: 32105, allocatedAt: 1, updatedAt: 1 };
    await memento.update(LEASES_KEY, { version: 1, leases: [good, { key: 'bad', port: 'x' }] });
    const { allocator } = makeAllocator({ memento });
    assert.equal((await allocator.allocatePort(app('good'))).port, 32105);
    assert.equal((await allocator.allocatePort(app('new'))).port, 32100);
  });

  it('never hands out the same port to 200 concurrent callers in one process', async () => {
    const { allocator } = makeAllocator();
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => allocator.allocatePort(app(`c${i}`))));
    const ports = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.port] : []));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    assert.equal(new Set(ports).size, ports.length, 'all distinct');
    assert.equal(ports.length, 101);
    assert.equal(failures.length, 99);
    assert.ok(failures.every((f) => f instanceof PoolExhaustedError));
  });

  it('200 concurrent callers for the same app all get the same port', async () => {
    const { allocator } = makeAllocator();
    const ports = await Promise.all(Array.from({ length: 200 }, () => allocator.allocatePort(app('same')).then((l) => l.port)));
    assert.deepEqual(new Set(ports), new Set([32100]));
  });

  it('only the allocator can issue a PortLease', () => {
    const Forged = PortLease as unknown as new (token: symbol, appRef: unknown, port: number) => PortLease;
    assert.throws(() => new Forged(Symbol('PortLease'), app('x'), 32100), /only be issued by the PortAllocator/);
  });

  it('two allocators with lagging separate mementos but a shared journal and lock never collide', async () => {
    const dir = await tempDir('pc-journal');
    const clock = new FakeClock();
    const range = parsePortRange(32100, 32200);
    const make = (): PortAllocator => {
      const logger = new RecordingLogger();
      // Each "window" has its own memento that never sees the other's writes (worst-case lag).
      return new PortAllocator({
        store: new LeaseStore(new InMemoryMemento(), logger, new FileLeaseJournal(dir, clock.read, logger)),
        lock: new FileLock(dir, logger),
        probe: { isFree: () => Promise.resolve(true) },
        range: () => range,
        clock: clock.read,
        logger,
      });
    };
    const windowA = make();
    const windowB = make();
    const leases = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? windowA : windowB).allocatePort(app(`w${i}`))),
    );
    const ports = leases.map((l) => l.port);
    assert.equal(new Set(ports).size, 30);
    // A release in one window is seen by the other through the journal.
    await windowA.releasePort(app('w0'));
    assert.equal(await windowB.leaseOf(app('w0').key), undefined);
    assert.equal((await windowB.allocatePort(app('late'))).port, ports[0]);
  });
});
