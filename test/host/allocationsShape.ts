import * as assert from 'node:assert/strict';

/** What "Show Port Allocations" returns and shows. No `vscode` import: the UI tests use it too. */
export interface AllocationsShape {
  allocated: unknown[];
  allocatedCount: number;
  availableCount: number;
  range: { start: number; end: number; size: number };
}

export const DEFAULT_RANGE = { start: 32100, end: 32200 } as const;

/** Checks an allocations object against a pool (by default the default settings: 32100–32200, 101 ports). */
export function assertDefaultAllocationsShape(value: unknown, pool: { start: number; end: number } = DEFAULT_RANGE): asserts value is AllocationsShape {
  assert.ok(typeof value === 'object' && value !== null, `not an object: ${JSON.stringify(value)}`);
  const { allocated, allocatedCount, availableCount, range } = value as Partial<AllocationsShape>;
  assert.ok(Array.isArray(allocated), 'allocated is not an array');
  assert.ok(typeof allocatedCount === 'number' && typeof availableCount === 'number', 'counts are not numbers');
  assert.equal(allocatedCount, allocated.length);
  const size = pool.end - pool.start + 1;
  assert.deepEqual(range, { start: pool.start, end: pool.end, size });
  assert.equal(allocatedCount + availableCount, size);
}
