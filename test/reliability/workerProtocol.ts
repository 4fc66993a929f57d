import type { AppRef } from '../../src/core/appIdentity';
import type { EngineKind } from '../../src/core/engine/types';
import type { PortHolder } from '../../src/core/errors';
import type { Lease } from '../../src/core/leaseStore';
import type { ReconcileReport, ReconcilerOptions } from '../../src/core/reconciler';
import type { Lag } from './laggedMemento';
import type { SharedState } from './window';

/**
 * Where a worker stops dead in the middle of a start (so the test can `kill -9` it exactly there):
 * `beforeRun` — the port is leased, the engine `run` not called yet; `afterRun` — the container
 * was created and started, the app not yet confirmed. The worker writes `reachedFile` and waits.
 */
export interface PausePoint {
  readonly appKey: string;
  readonly at: 'beforeRun' | 'afterRun';
  readonly reachedFile: string;
}

export interface WorkerConfig {
  /** The window's name (its globalState writer id). */
  readonly name: string;
  /** The engine the window detects (default podman). */
  readonly engine?: EngineKind;
  readonly shared: SharedState;
  readonly lag: Lag;
  readonly portRange: { readonly start: number; readonly end: number };
  /** This window's apps. `run` starts all of them at once after the `go` message. */
  readonly apps: readonly AppRef[];
  /** Command inside the container for every app (argv). */
  readonly command: readonly string[];
  readonly mode: 'run' | 'reconcile';
  /** Show this window only our containers under this folder (see scopedEngine). */
  readonly scopeRoot?: string;
  readonly pauses?: readonly PausePoint[];
  /** For `reconcile`: passes, spacing, and the shortened repair timing. */
  readonly reconcile?: { readonly passes: number; readonly intervalMs: number; readonly options: Partial<ReconcilerOptions> };
}

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly setting?: string | undefined;
  readonly holders?: readonly PortHolder[] | undefined;
}

export interface AppOutcome {
  readonly key: string;
  readonly appId: string;
  readonly ms: number;
  /** Progress stages the controller reported, with ms since the request (digits masked). */
  readonly stages: readonly (readonly [string, number])[];
  readonly port?: number;
  readonly url?: string;
  readonly containerId?: string;
  readonly error?: ErrorInfo;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'outcome'; readonly outcome: AppOutcome }
  | { readonly type: 'done'; readonly outcomes: readonly AppOutcome[]; readonly reports: readonly ReconcileReport[]; readonly leases: readonly Lease[] }
  | { readonly type: 'fatal'; readonly error: ErrorInfo };

export type ParentMessage = { readonly type: 'go' };

export function errorInfo(error: unknown): ErrorInfo {
  if (!(error instanceof Error)) {
    return { name: typeof error, message: String(error) };
  }
  const extra = error as Error & { setting?: unknown; holders?: unknown };
  return {
    name: error.name,
    message: error.message,
    setting: typeof extra.setting === 'string' ? extra.setting : undefined,
    holders: Array.isArray(extra.holders) ? (extra.holders as PortHolder[]) : undefined,
  };
}
