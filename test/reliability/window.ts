import type { AppController } from '../../src/core/appController';
import type { AppRef } from '../../src/core/appIdentity';
import { createCore, type Core } from '../../src/core/createCore';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import type { EngineProvider } from '../../src/core/engine/engineProvider';
import { FileLeaseJournal } from '../../src/core/fileLeaseJournal';
import { FileLock } from '../../src/core/interProcessLock';
import { decodeLeases, LeaseStore, LEASES_KEY, type Lease } from '../../src/core/leaseStore';
import type { Logger } from '../../src/core/logger';
import type { PortAllocator } from '../../src/core/portAllocator';
import type { Reconciler, ReconcilerOptions } from '../../src/core/reconciler';
import { readSettings, type Settings } from '../../src/core/settings';
import { TEST_IMAGE } from '../engine/helpers';
import { RecordingLogger } from '../unit/helpers';
import { LaggedFileMemento, WINDOW_LAG, type Lag } from './laggedMemento';

/** Where the windows of one test share state: globalState (lagged) and the global storage folder. */
export interface SharedState {
  /** The extension's global storage folder: lease journal and lock, as in extension.ts. */
  readonly storageDir: string;
  /** The append-only file behind every window's LaggedFileMemento. */
  readonly stateFile: string;
}

export interface WindowOptions {
  readonly name: string;
  readonly shared: SharedState;
  readonly portRange: { readonly start: number; readonly end: number };
  /** The engine as this window detects it (a provider, so it can be re-detected). */
  readonly engines: EngineProvider;
  readonly lag?: Lag;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly logger?: Logger;
  /** This window's apps (its reconciler works on them). */
  readonly apps?: readonly AppRef[];
  readonly reconcilerOptions?: Partial<ReconcilerOptions>;
}

/** One VS Code window's core, composed by createCore as src/extension.ts composes it. */
export interface Window {
  readonly core: Core;
  readonly memento: LaggedFileMemento;
  readonly allocator: PortAllocator;
  readonly controller: AppController;
  readonly reconciler: Reconciler;
  readonly settings: Settings;
  readonly logger: Logger;
}

/** Settings of the reliability windows: the local image, never pulled; everything else default. */
export function windowSettings(portRange: { start: number; end: number }, extra: Readonly<Record<string, unknown>> = {}): Settings {
  const values: Record<string, unknown> = { 'portRange.start': portRange.start, 'portRange.end': portRange.end, image: TEST_IMAGE, pullPolicy: 'never', ...extra };
  return readSettings((name) => values[name]);
}

export function openWindow(options: WindowOptions): Window {
  const logger = options.logger ?? new RecordingLogger();
  const settings = windowSettings(options.portRange, options.settings);
  const memento = new LaggedFileMemento(options.shared.stateFile, options.name, options.lag ?? WINDOW_LAG);
  const core = createCore({
    memento,
    storageDir: options.shared.storageDir,
    settings: () => settings,
    clock: Date.now,
    logger,
    exec: execaExec,
    stream: execaStream,
    apps: () => options.apps ?? [],
    engines: options.engines,
    // The windows' starts watch exits with `engine wait` (no event stream runs in them).
    exitsFromEvents: false,
    ...(options.reconcilerOptions ? { reconcilerOptions: options.reconcilerOptions } : {}),
  });
  return { core, memento, allocator: core.allocator, controller: core.controller, reconciler: core.reconciler, settings, logger };
}

/**
 * The shared lease table as a new window would read it under the lock (globalState merged with
 * the journal), and globalState alone once every write has propagated.
 */
export async function readSharedLeases(shared: SharedState): Promise<{ merged: Lease[]; globalState: Lease[] }> {
  const logger = new RecordingLogger();
  const memento = new LaggedFileMemento(shared.stateFile, `observer-${process.pid}-${Date.now()}`, { minMs: 0, maxMs: 0 });
  try {
    const store = new LeaseStore(memento, logger, new FileLeaseJournal(shared.storageDir, Date.now, logger));
    const merged = await new FileLock(shared.storageDir, logger).withLock(() => store.load());
    const globalState = decodeLeases(memento.get(LEASES_KEY), logger);
    return { merged: [...merged.values()], globalState: [...globalState.values()] };
  } finally {
    memento.close();
  }
}
