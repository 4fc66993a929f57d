import { makeAppRef, type AppRef } from '../src/core/appIdentity';
import { encodeLeases, LEASES_KEY, LeaseStore, LeaseTable, type LeaseJournal } from '../src/core/leaseStore';
import { InMemoryMemento } from '../src/core/memento';
import { PortAllocator } from '../src/core/portAllocator';
import { parsePortRange } from '../src/core/portRange';
import type { InterProcessLock } from '../src/core/interProcessLock';
import type { PortProbe } from '../src/core/portProbe';
import { FakeProbe, RecordingLogger } from '../test/unit/helpers';

/**
 * The allocator at scale: a pool of 10 000 ports whose lowest 5 000 are leased to other apps, so
 * every new allocation scans past them. Only the first free port (35800) is ever probed, so a real
 * probe stays inside the bench's host ports (35000–35999).
 */
export const POOL = { start: 30800, end: 40799 };
export const SEEDED_LEASES = 5000;
export const FIRST_FREE = POOL.start + SEEDED_LEASES;

const WORKSPACE = '/bench/workspace';

export function benchApp(name: string): AppRef {
  return makeAppRef(`${WORKSPACE}/${name}`, WORKSPACE);
}

/** The baseline: the default pool size (101 ports) and no other leases. */
export const SMALL = { pool: { start: 35800, end: 35900 }, leases: 0 } as const;
export const AT_SCALE = { pool: POOL, leases: SEEDED_LEASES } as const;
export type Scale = typeof SMALL | typeof AT_SCALE;

export function seededMemento(leases: number): InMemoryMemento {
  const memento = new InMemoryMemento();
  const table = new LeaseTable();
  for (let i = 0; i < leases; i++) {
    const ref = benchApp(`seed-${i}`);
    table.set(ref.key, { key: ref.key, appId: ref.appId, port: POOL.start + i, allocatedAt: 1, updatedAt: 1, confirmed: true });
  }
  void memento.update(LEASES_KEY, encodeLeases(table));
  return memento;
}

export function makeBenchAllocator(options: { scale?: Scale; probe?: PortProbe; lock?: InterProcessLock; journal?: LeaseJournal } = {}): PortAllocator {
  const logger = new RecordingLogger();
  const scale = options.scale ?? AT_SCALE;
  const range = parsePortRange(scale.pool.start, scale.pool.end);
  return new PortAllocator({
    store: new LeaseStore(seededMemento(scale.leases), logger, options.journal, options.lock ? { fence: () => options.lock!.verifyHeld() } : {}),
    probe: options.probe ?? new FakeProbe(),
    range: () => range,
    lock: options.lock,
    clock: Date.now,
    logger,
  });
}
