import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { PoolExhaustedError } from '../../src/core/errors';
import { inRange, parsePortRange } from '../../src/core/portRange';
import { app, makeAllocator } from './helpers';

type Step = { kind: 'allocate' | 'release'; app: number } | { kind: 'foreign'; port: number; busy: boolean };

describe('PortAllocator properties (fast-check)', () => {
  it('random allocate/release sequences keep every invariant', async () => {
    const start = 32100;
    const end = 32119; // 20 ports, 30 apps: exhaustion is reached often
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('allocate' as const), app: fc.integer({ min: 0, max: 29 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), app: fc.integer({ min: 0, max: 29 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('foreign' as const), port: fc.integer({ min: start, max: end }), busy: fc.boolean() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 80 }), async (steps) => {
        const range = parsePortRange(start, end);
        const { allocator, probe } = makeAllocator({ range: () => range });
        const held = new Map<number, number>(); // app → port, as the callers saw it
        for (const s of steps) {
          if (s.kind === 'foreign') {
            if (s.busy) {
              probe.busy.add(s.port);
            } else {
              probe.busy.delete(s.port);
            }
            continue;
          }
          if (s.kind === 'release') {
            await allocator.releasePort(app(`p${s.app}`));
            held.delete(s.app);
            continue;
          }
          try {
            const lease = await allocator.allocatePort(app(`p${s.app}`));
            const before = held.get(s.app);
            // Sticky unless its port was taken by a foreign listener meanwhile.
            if (before !== undefined && !probe.busy.has(before)) {
              assert.equal(lease.port, before, 'sticky');
            }
            assert.ok(!probe.busy.has(lease.port), 'never a busy port');
            held.set(s.app, lease.port);
          } catch (error) {
            assert.ok(error instanceof PoolExhaustedError, String(error));
            held.delete(s.app);
          }
        }
        const list = await allocator.listAllocations();
        const ports = list.allocated.map((a) => a.port);
        assert.equal(new Set(ports).size, ports.length, 'no two live leases share a port');
        assert.ok(ports.every((p) => inRange(range, p)), 'every port inside the range');
        assert.equal(list.allocatedCount + list.availableCount, range.size, 'counts add up to the pool size');
        assert.equal(list.outsideRange.length, 0);
      }),
      { numRuns: 300 },
    );
  });
});
