import { AppController } from '../../src/core/appController';
import type { FolderInfo } from '../../src/core/appFolder';
import type { ExitWatch } from '../../src/core/containerExits';
import { LeaseStore } from '../../src/core/leaseStore';
import { InMemoryMemento } from '../../src/core/memento';
import { PortAllocator } from '../../src/core/portAllocator';
import { parsePortRange } from '../../src/core/portRange';
import { TcpPortProbe, type PortProbe } from '../../src/core/portProbe';
import { readSettings, type Settings } from '../../src/core/settings';
import { FakeEngine } from './fakeEngine';
import { FakeClock, RecordingLogger } from './helpers';

export interface FakeWorldOptions {
  /** First port of a 31-port pool (each test file uses its own, away from other suites). */
  readonly start: number;
  readonly settings?: Record<string, unknown>;
  readonly memento?: InMemoryMemento;
  readonly engine?: FakeEngine;
  readonly clock?: FakeClock;
  readonly probe?: PortProbe;
  readonly exits?: ExitWatch;
  /** What the app folders hold (default: an empty folder). */
  readonly inspectFolder?: (folder: string) => Promise<FolderInfo>;
}

/** A controller and allocator over a FakeEngine (real sockets), as activate() wires them. */
export function fakeWorld(options: FakeWorldOptions) {
  const engine = options.engine ?? new FakeEngine();
  const logger = new RecordingLogger();
  const clock = options.clock ?? new FakeClock(Date.now());
  const memento = options.memento ?? new InMemoryMemento();
  let settings: Settings = readSettings(
    (name) => ({ 'portRange.start': options.start, 'portRange.end': options.start + 30, image: 'localhost/preview-node:test', startupTimeoutSeconds: 5, ...options.settings })[name],
  );
  const allocator = new PortAllocator({
    store: new LeaseStore(memento, logger),
    probe: options.probe ?? new TcpPortProbe('127.0.0.1'),
    range: () => parsePortRange(settings.portRange.start, settings.portRange.end),
    engine,
    clock: clock.read,
    logger,
  });
  const controller = new AppController({
    allocator,
    engine: () => Promise.resolve(engine),
    settings: () => settings,
    logger,
    clock: clock.read,
    inspectFolder: options.inspectFolder ?? (() => Promise.resolve({ pkg: undefined, hasNodeModules: false, files: new Set() })),
    // The app folders here are not on disk; containment is tested on real folders (containment.test.ts).
    resolveSourceFolder: (app) => Promise.resolve(app.folder),
    ...(options.exits ? { exits: options.exits } : {}),
  });
  return { engine, logger, clock, memento, allocator, controller, settings: () => settings, setSettings: (s: Settings) => (settings = s) };
}
