import * as assert from 'node:assert/strict';
import { InMemoryMemento } from '../../src/core/memento';
import { LEASES_KEY } from '../../src/core/leaseStore';
import { makeAllocator } from './helpers';

describe('stored lease times', () => {
  it('drops a lease whose time no Date can hold (it would make Show Port Allocations throw)', async () => {
    const memento = new InMemoryMemento();
    await memento.update(LEASES_KEY, {
      version: 1,
      leases: [
        { key: '/w/a', appId: 'a', port: 32100, allocatedAt: 8.64e15 + 1, updatedAt: 0 },
        { key: '/w/b', appId: 'b', port: 32101, allocatedAt: 8.64e15, updatedAt: 8.64e15 },
      ],
    });
    const { allocator, logger } = makeAllocator({ memento });
    const list = await allocator.listAllocations();
    assert.deepEqual(list.allocated.map((a) => a.appId), ['b']);
    assert.ok(logger.warnings.some((w) => /Dropped 1 unreadable/.test(w)));
  });
});

describe('stored lease table with a hostile version value', () => {
  it('is salvaged with a warning instead of throwing (String() of {"toString": false} throws)', async () => {
    const memento = new InMemoryMemento();
    await memento.update(LEASES_KEY, { version: { toString: false }, leases: [{ key: '/w/a', appId: 'a', port: 32100, allocatedAt: 1, updatedAt: 1 }] });
    const { allocator, logger } = makeAllocator({ memento });
    assert.deepEqual((await allocator.leases()).map((l) => l.appId), ['a']);
    assert.ok(logger.warnings.some((w) => w.includes('unknown version an object')));
  });
});
