import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileLeaseJournal, JOURNAL_TTL_MS } from '../../src/core/fileLeaseJournal';
import { applyChanges, decodeLeases, encodeLeases, LeaseTable, type Lease } from '../../src/core/leaseStore';
import { FakeClock, RecordingLogger, tempDir } from './helpers';

const lease = (key: string, port: number, at = 1): Lease => ({ key, appId: key, port, allocatedAt: at, updatedAt: at });

describe('lease store', () => {
  it('round-trips a table through encode/decode', () => {
    const table = new LeaseTable([lease('/a', 32101), lease('/b', 32100)]);
    const logger = new RecordingLogger();
    const decoded = decodeLeases(JSON.parse(JSON.stringify(encodeLeases(table))), logger);
    assert.deepEqual([...decoded.entries()].sort(), [...table.entries()].sort());
    assert.equal(logger.warnings.length, 0);
  });

  it('keeps the older holder when two stored leases share a port', () => {
    const logger = new RecordingLogger();
    const table = decodeLeases({ version: 1, leases: [lease('/new', 32100, 5), lease('/old', 32100, 2)] }, logger);
    assert.deepEqual([...table.keys()], ['/old']);
    assert.match(logger.warnings.join(), /Dropped 1/);
  });

  it('applies journal changes last-writer-wins, including releases', () => {
    const table = new LeaseTable([lease('/a', 32100, 10)]);
    applyChanges(table, [{ key: '/a', appId: 'a', port: null, allocatedAt: 10, updatedAt: 5 }]);
    assert.ok(table.has('/a'), 'an older release does not remove a newer lease');
    applyChanges(table, [{ key: '/a', appId: 'a', port: null, allocatedAt: 10, updatedAt: 20 }]);
    assert.ok(!table.has('/a'), 'a newer release does');
    applyChanges(table, [{ key: '/b', appId: 'b', port: 32100, allocatedAt: 30, updatedAt: 30 }]);
    assert.equal(table.get('/b')?.port, 32100);
  });

  describe('FileLeaseJournal', () => {
    it('round-trips, keeps the latest change per key and prunes old ones', async () => {
      const dir = await tempDir('pc-journal');
      const clock = new FakeClock();
      const journal = new FileLeaseJournal(dir, clock.read, new RecordingLogger());
      assert.deepEqual(await journal.read(), { generation: 0, changes: [] });
      const t = clock.now;
      assert.equal(await journal.append([{ key: '/a', appId: 'a', port: 32100, allocatedAt: t, updatedAt: t }], 0), 1);
      assert.equal(await journal.append([{ key: '/a', appId: 'a', port: null, allocatedAt: t, updatedAt: t + 1 }], 1), 2);
      assert.deepEqual(await journal.read(), { generation: 2, changes: [{ key: '/a', appId: 'a', port: null, allocatedAt: t, updatedAt: t + 1 }] });
      clock.advance(JOURNAL_TTL_MS + 10);
      await journal.append([{ key: '/b', appId: 'b', port: 32101, allocatedAt: clock.now, updatedAt: clock.now }], 2);
      assert.deepEqual((await journal.read()).changes.map((c) => c.key), ['/b']);
    });

    it('ignores a corrupted journal file with a warning', async () => {
      const dir = await tempDir('pc-journal');
      await fs.writeFile(path.join(dir, 'lease-journal.json'), '{"version":1,"changes":[{"key":');
      const logger = new RecordingLogger();
      const journal = new FileLeaseJournal(dir, new FakeClock().read, logger);
      assert.deepEqual(await journal.read(), { generation: 0, changes: [] });
      assert.match(logger.warnings.join(), /corrupted/);
    });
  });
});
