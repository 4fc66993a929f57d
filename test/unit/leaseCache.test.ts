import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LockLostError } from '../../src/core/errors';
import { FileLeaseJournal } from '../../src/core/fileLeaseJournal';
import { FileLock } from '../../src/core/interProcessLock';
import { LEASES_KEY, LeaseStore, LeaseTable, type Lease, type LeaseChange } from '../../src/core/leaseStore';
import { InMemoryMemento, type MementoLike } from '../../src/core/memento';
import { PortAllocator } from '../../src/core/portAllocator';
import { parsePortRange } from '../../src/core/portRange';
import { app, FakeClock, RecordingLogger, tempDir } from './helpers';

const lease = (key: string, port: number, at = 1): Lease => ({ key, appId: key.slice(1), port, allocatedAt: at, updatedAt: at, confirmed: true });
const change = (key: string, port: number | null, at: number): LeaseChange => ({ key, appId: key.slice(1), port, allocatedAt: at, updatedAt: at });

/** globalState as another window sees it: every read is a fresh copy (never the same object twice). */
class CopyingMemento implements MementoLike {
  private value: unknown;
  gets = 0;
  get<T>(): T | undefined {
    this.gets++;
    return this.value === undefined ? undefined : (structuredClone(this.value) as T);
  }
  update(_key: string, value: unknown): Promise<void> {
    this.value = structuredClone(value);
    return Promise.resolve();
  }
}

describe('lease table index and store cache', () => {
  it('finds the lowest unleased port past whole leased words, and frees a port on delete even after a duplicate', () => {
    const table = new LeaseTable();
    for (let port = 32000; port < 32100; port++) {
      table.set(`/a${port}`, lease(`/a${port}`, port));
    }
    assert.equal(table.nextUnleased(32000, 32200), 32100);
    assert.equal(table.nextUnleased(32000, 32099), undefined);
    table.delete('/a32040');
    assert.equal(table.nextUnleased(32000, 32200), 32040);
    // Two holders on one port for a moment (a merge): the port stays leased until both are gone.
    table.set('/dup', lease('/dup', 32040));
    table.set('/dup2', lease('/dup2', 32040));
    table.delete('/dup');
    assert.equal(table.holderOf(32040)?.key, '/dup2');
    assert.equal(table.nextUnleased(32040, 32040), undefined);
    table.delete('/dup2');
    assert.equal(table.nextUnleased(32040, 32040), 32040);
    // Moving a lease frees its old port.
    table.set('/a32000', lease('/a32000', 40000));
    assert.equal(table.nextUnleased(32000, 32200), 32000);
    assert.equal(table.leasedToOther(40000, '/x'), true);
    assert.equal(table.leasedToOther(40000, '/a32000'), false);
  });

  it('reuses the decoded table while the stored value is unchanged, and sees another writer at once', async () => {
    const memento = new InMemoryMemento();
    await memento.update(LEASES_KEY, { version: 1, leases: [lease('/a', 32100)] });
    const store = new LeaseStore(memento, new RecordingLogger());
    const first = await store.load();
    assert.equal(await store.load(), first, 'unchanged value: the same decoded table');
    await memento.update(LEASES_KEY, { version: 1, leases: [lease('/b', 32101)] });
    const second = await store.load();
    assert.notEqual(second, first);
    assert.deepEqual([...second.keys()], ['/b']);
  });

  it('writes globalState a moment after a commit, tagged, and knows its own value when it comes back as a copy', async () => {
    const memento = new CopyingMemento();
    const store = new LeaseStore(memento, new RecordingLogger());
    const table = await store.load();
    await store.commit([change('/a', 32100, 5)], undefined);
    assert.equal((await store.load()).get('/a')?.port, 32100, 'this window sees its change at once');
    await store.flush();
    const stored = memento.get<{ generation?: string; leases: Lease[] }>();
    assert.match(stored?.generation ?? '', /^[0-9a-f]{12}-1$/);
    assert.deepEqual(stored?.leases.map((l) => l.key), ['/a']);
    assert.equal(await store.load(), table, 'a copy of our own write is not decoded again');
  });

  it('puts committed changes back on top of another writer’s value that came before its own write', async () => {
    const memento = new InMemoryMemento();
    const store = new LeaseStore(memento, new RecordingLogger());
    await store.load();
    await store.commit([change('/mine', 32100, 10)], undefined);
    // Another window wrote meanwhile (it does not know /mine yet).
    await memento.update(LEASES_KEY, { version: 1, leases: [lease('/theirs', 32101, 9)] });
    assert.deepEqual([...(await store.load()).keys()].sort(), ['/mine', '/theirs']);
    await store.flush();
    const stored = memento.get<{ leases: Lease[] }>(LEASES_KEY);
    assert.deepEqual(stored?.leases.map((l) => l.key), ['/mine', '/theirs']);
  });

  it('the journal is a compare-and-swap on its generation: a writer overtaken since its read writes nothing', async () => {
    const dir = await tempDir('pc-journal-cas');
    const clock = new FakeClock();
    const stalled = new FileLeaseJournal(dir, clock.read, new RecordingLogger());
    const other = new FileLeaseJournal(dir, clock.read, new RecordingLogger());
    const seen = await stalled.read();
    assert.equal(seen.generation, 0);
    assert.equal(await other.append([change('/other', 32100, clock.now)], 0), 1);
    await assert.rejects(stalled.append([change('/stalled', 32100, clock.now)], seen.generation), LockLostError);
    const after = await other.read();
    assert.deepEqual([after.generation, after.changes.map((c) => c.key)], [1, ['/other']]);
  });

  it('a lock holder taken over (its lock went stale) knows before it writes, and leaves the new holder’s lock alone', async () => {
    const dir = await tempDir('pc-lock-takeover');
    const stalled = new FileLock(dir, new RecordingLogger(), 2000);
    const next = new FileLock(dir, new RecordingLogger(), 2000);
    let inside: () => void = () => undefined;
    const stalledInside = new Promise<void>((resolve) => (inside = resolve));
    let resume: () => void = () => undefined;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const stalledTask = stalled.withLock(async () => {
      await stalled.verifyHeld(); // held: passes
      inside();
      await resumed;
      return stalled.verifyHeld();
    });
    await stalledInside;
    // As if the holder had not refreshed its lock for longer than the stale time.
    const old = new Date(Date.now() - 10_000);
    await fs.utimes(path.join(dir, 'ports.lock'), old, old);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const nextTask = next.withLock(async () => {
      await next.verifyHeld();
      resume();
      await assert.rejects(stalledTask, LockLostError);
      await released;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(stalledTask, LockLostError);
    await fs.stat(path.join(dir, 'ports.lock')); // the new holder's lock is still there
    release();
    await nextTask;
    await assert.rejects(fs.stat(path.join(dir, 'ports.lock')), { code: 'ENOENT' });
  });

  it('an allocation overtaken by another writer starts again on the new table: no duplicate port', async () => {
    const dir = await tempDir('pc-journal-retry');
    const clock = new FakeClock();
    const range = parsePortRange(32100, 32110);
    let gate: Promise<void> | undefined;
    const make = (probe: () => Promise<boolean>) => {
      const logger = new RecordingLogger();
      // No lock at all: the journal's generation alone has to catch the interleaving.
      const allocator = new PortAllocator({ store: new LeaseStore(new InMemoryMemento(), logger, new FileLeaseJournal(dir, clock.read, logger)), probe: { isFree: probe }, range: () => range, clock: clock.read, logger });
      return { allocator, logger };
    };
    let open: () => void = () => undefined;
    gate = new Promise<void>((resolve) => (open = resolve));
    const slow = make(async () => {
      const waiting = gate;
      gate = undefined;
      await waiting;
      return true;
    });
    const fast = make(() => Promise.resolve(true));
    const slowLease = slow.allocator.allocatePort(app('slow'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fastLease = await fast.allocator.allocatePort(app('fast'));
    open();
    const ports = [fastLease.port, (await slowLease).port];
    assert.deepEqual(ports, [32100, 32101]);
    assert.match(slow.logger.warnings.join('\n'), /lock was lost .*Taking the lock again/);
    const journal = await new FileLeaseJournal(dir, clock.read, new RecordingLogger()).read();
    assert.deepEqual(journal.changes.map((c) => [c.key, c.port]).sort(), [[app('fast').key, 32100], [app('slow').key, 32101]].sort());
  });
});
