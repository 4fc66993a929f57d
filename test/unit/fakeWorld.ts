import type { AppRef } from '../../src/core/appIdentity';
import type { FolderInfo } from '../../src/core/appFolder';
import type { ExitWatch } from '../../src/core/containerExits';
import { createCore } from '../../src/core/createCore';
import type { Exec, ExecStream } from '../../src/core/engine/exec';
import { portUsageOf } from '../../src/core/engine/portUsage';
import { InMemoryMemento } from '../../src/core/memento';
import type { ReconcilerOptions } from '../../src/core/reconciler';
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
  /** This window's apps (the reconciler and reaper work on them). */
  readonly apps?: AppRef[];
  readonly reconcilerOptions?: Partial<ReconcilerOptions>;
  /** The idle warning's answer ("Keep running"), and a record of who was warned. */
  readonly keepRunning?: () => boolean;
  /** Which app folders exist (the fake folders are not on disk; default: all of them). */
  readonly folderExists?: (folder: string) => Promise<boolean>;
}

/** The fakes never run a program: the engine is the FakeEngine. */
const noExec: Exec = () => Promise.reject(new Error('the fake world runs no programs'));
const noStream: ExecStream = () => Promise.reject(new Error('the fake world runs no programs'));

/** The core over a FakeEngine (real sockets), composed by createCore exactly as activate() does. */
export function fakeWorld(options: FakeWorldOptions) {
  const engine = options.engine ?? new FakeEngine();
  const logger = new RecordingLogger();
  const clock = options.clock ?? new FakeClock(Date.now());
  const memento = options.memento ?? new InMemoryMemento();
  const apps = options.apps ?? [];
  const warned: string[] = [];
  let settings: Settings = readSettings(
    (name) => ({ 'portRange.start': options.start, 'portRange.end': options.start + 30, image: 'localhost/preview-node:test', startupTimeoutSeconds: 5, ...options.settings })[name],
  );
  const core = createCore({
    memento,
    settings: () => settings,
    clock: clock.read,
    logger,
    exec: noExec,
    stream: noStream,
    apps: () => apps,
    detectEngine: () => Promise.resolve(engine),
    probe: options.probe ?? new TcpPortProbe('127.0.0.1'),
    // Uncached: the fake clock moves by hand, and tests change the engine between calls.
    engineUsage: { portsInUse: () => portUsageOf(engine) },
    inspectFolder: options.inspectFolder ?? (() => Promise.resolve({ pkg: undefined, hasNodeModules: false, files: new Set() })),
    // The app folders here are not on disk; containment is tested on real folders (containment.test.ts).
    resolveSourceFolder: (app) => Promise.resolve(app.folder),
    warnIdle: (app) => {
      warned.push(app.appId);
      return Promise.resolve(options.keepRunning?.() ?? false);
    },
    folderExists: options.folderExists ?? (() => Promise.resolve(true)),
    ...(options.exits ? { exitWatch: options.exits } : {}),
    ...(options.reconcilerOptions ? { reconcilerOptions: options.reconcilerOptions } : {}),
  });
  return {
    core,
    engine,
    logger,
    clock,
    memento,
    apps,
    warned,
    allocator: core.allocator,
    controller: core.controller,
    reconciler: core.reconciler,
    reaper: core.reaper,
    settings: () => settings,
    setSettings: (s: Settings) => (settings = s),
  };
}
