import type { AppStatus } from '../api';
import { containerNameFor, type AppRef } from './appIdentity';
import { Emitter, type EventLike } from './emitter';

export type { AppStatus } from '../api';

/** What the UI shows for one app. */
export interface AppState {
  readonly app: AppRef;
  readonly status: AppStatus;
  /** The leased (sticky) port, also while stopped. */
  readonly port: number | undefined;
  readonly containerName: string;
  readonly containerId: string | undefined;
  readonly image: string | undefined;
  /** Dockerfile apps: the build hash of the running image (its label); the tree compares it with the current one. */
  readonly buildHash: string | undefined;
  /** When the current run started (ms since epoch). */
  readonly startedAt: number | undefined;
  /** While starting: what is happening. */
  readonly stage: string | undefined;
  /** When failed: why. */
  readonly error: string | undefined;
  readonly url: string | undefined;
}

export type AppStatePatch = Partial<Omit<AppState, 'app' | 'containerName'>>;

/** The apps' states, and one event per real change (observe passes re-announce every app). */
export class AppStateStore {
  private readonly states = new Map<string, AppState>();
  private readonly changed = new Emitter<AppState>();
  readonly onDidChange: EventLike<AppState> = this.changed.event;

  get(app: AppRef): AppState {
    return this.states.get(app.key) ?? initialState(app);
  }

  has(app: AppRef): boolean {
    return this.states.has(app.key);
  }

  all(): AppState[] {
    return [...this.states.values()];
  }

  update(app: AppRef, patch: AppStatePatch): AppState {
    const previous = this.states.get(app.key);
    const next: AppState = { ...this.get(app), ...patch, app };
    this.states.set(app.key, next);
    if (!previous || !sameState(previous, next)) {
      this.changed.fire(next);
    }
    return next;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function initialState(app: AppRef): AppState {
  return {
    app,
    status: 'stopped',
    port: undefined,
    containerName: containerNameFor(app),
    containerId: undefined,
    image: undefined,
    buildHash: undefined,
    startedAt: undefined,
    stage: undefined,
    error: undefined,
    url: undefined,
  };
}

function sameState(a: AppState, b: AppState): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof AppState)[]);
  return [...keys].every((key) => Object.is(a[key], b[key]));
}
