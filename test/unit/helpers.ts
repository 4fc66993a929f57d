import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { makeAppRef, type AppRef } from '../../src/core/appIdentity';
import { LeaseStore } from '../../src/core/leaseStore';
import type { Logger } from '../../src/core/logger';
import { InMemoryMemento, type MementoLike } from '../../src/core/memento';
import type { EnginePortUsage } from '../../src/core/engine/portUsage';
import { PortAllocator, type PortAllocatorDeps } from '../../src/core/portAllocator';
import { parsePortRange } from '../../src/core/portRange';
import type { PortProbe } from '../../src/core/portProbe';

/** A logger that remembers what it was told. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string }[] = [];
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  get warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.message);
  }
}

/** A probe where everything is free except the ports put in `busy`. */
export class FakeProbe implements PortProbe {
  readonly busy = new Set<number>();
  calls = 0;
  isFree(port: number): Promise<boolean> {
    this.calls++;
    return Promise.resolve(!this.busy.has(port));
  }
}

export class FakeEngineUsage implements EnginePortUsage {
  readonly ports = new Map<number, { ownerKey: string | undefined; publishing: boolean }>();
  portsInUse(): Promise<ReadonlyMap<number, { ownerKey: string | undefined; publishing: boolean }>> {
    return Promise.resolve(new Map(this.ports));
  }
}

/** A clock that only moves when told to (and ticks 1 ms per read so timestamps order writes). */
export class FakeClock {
  constructor(public now = 1_700_000_000_000) {}
  readonly read = (): number => this.now++;
  advance(ms: number): void {
    this.now += ms;
  }
}

export const WORKSPACE = '/home/dev/workspace';

export function app(name: string, workspace = WORKSPACE): AppRef {
  return makeAppRef(path.join(workspace, name), workspace);
}

export interface TestAllocator {
  allocator: PortAllocator;
  memento: MementoLike;
  probe: FakeProbe;
  logger: RecordingLogger;
  clock: FakeClock;
}

export function makeAllocator(overrides: Partial<PortAllocatorDeps> & { memento?: MementoLike; start?: number; end?: number } = {}): TestAllocator {
  const memento = overrides.memento ?? new InMemoryMemento();
  const logger = new RecordingLogger();
  const probe = new FakeProbe();
  const clock = new FakeClock();
  const range = parsePortRange(overrides.start ?? 32100, overrides.end ?? 32200);
  const allocator = new PortAllocator({
    store: new LeaseStore(memento, logger),
    probe,
    range: () => range,
    clock: clock.read,
    logger,
    ...overrides,
  });
  return { allocator, memento, probe, logger, clock };
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
}
