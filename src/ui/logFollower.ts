import * as l10n from '@vscode/l10n';
import type { AppState } from '../core/appStates';
import type { DisposableLike, EventLike } from '../core/emitter';
import type { ContainerEngine } from '../core/engine/containerEngine';

/**
 * What an app's log terminal shows: the container's `logs --follow` through the engine adapter,
 * re-attached when the app's container changes (a restart creates a new one), with a line saying
 * when the container stopped or is gone. No vscode import: the terminal (appLogs.ts) only
 * passes the text on, and unit tests drive this with a fake engine.
 */
export interface LogFollowerDeps {
  readonly engine: () => Promise<ContainerEngine>;
  /** The app's current state, and its changes (only this app's). */
  readonly state: () => AppState;
  readonly onDidChangeState: EventLike<AppState>;
  /** Terminal text (`\r\n` line ends, ANSI as the app printed it). */
  readonly write: (text: string) => void;
  /** Lines of a container's past output shown on attaching (the terminal's scrollback bounds the rest). */
  readonly tail?: number;
  /** Before following a still-running container again after its stream broke off. */
  readonly retryMs?: number;
}

const DIM = '\u001b[2m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';
/** Flushed at once past this: text waits at most one tick, and never piles up. */
const MAX_PENDING_CHARS = 64 * 1024;

export class LogFollower implements DisposableLike {
  private attached: string | undefined;
  private follow: AbortController | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly subscription: DisposableLike;
  private disposed = false;
  private toldFailure: string | undefined;

  constructor(private readonly deps: LogFollowerDeps) {
    this.subscription = deps.onDidChangeState((state) => this.onState(state));
  }

  /** Shows what there is now: the container's output, or why there is none. */
  start(): void {
    const state = this.deps.state();
    if (state.containerId !== undefined) {
      this.attach(state.containerId, state);
    } else {
      this.notice(state.status === 'failed' && state.error ? l10n.t('{0} failed to start: {1}', state.app.name, state.error) : l10n.t('{0} has no container ({1}); its output shows here once it runs.', state.app.name, state.status));
    }
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
    this.follow?.abort();
    clearTimeout(this.flushTimer);
    this.pending = [];
  }

  private onState(state: AppState): void {
    if (state.containerId !== undefined && state.containerId !== this.attached) {
      this.notice(l10n.t('{0} is {1} in a new container ({2}).', state.app.name, state.status, shortId(state.containerId)));
      this.attach(state.containerId, state);
      return;
    }
    if (state.status === 'failed' && state.error && state.error !== this.toldFailure) {
      this.toldFailure = state.error;
      this.notice(l10n.t('{0} failed to start: {1}', state.app.name, state.error.split('\n')[0] ?? ''));
    }
  }

  private attach(containerId: string, state: AppState): void {
    this.follow?.abort();
    const follow = new AbortController();
    this.follow = follow;
    this.attached = containerId;
    this.toldFailure = undefined;
    void this.followUntilEnd(containerId, state, follow, this.deps.tail ?? 1000);
  }

  private async followUntilEnd(containerId: string, state: AppState, follow: AbortController, tail: number): Promise<void> {
    try {
      const engine = await this.deps.engine();
      await engine.followLogs(containerId, (line) => this.line(line), follow.signal, tail);
      if (follow.signal.aborted || this.disposed) {
        return;
      }
      const details = await engine.inspect(containerId);
      if (follow.signal.aborted || this.disposed) {
        return;
      }
      if (details === undefined) {
        this.notice(l10n.t('The container of {0} is gone ({1}). This terminal follows its next one.', state.app.name, shortId(containerId)));
      } else if (!details.running) {
        this.notice(details.exitCode === undefined ? l10n.t('{0} stopped. This terminal follows it when it runs again.', state.app.name) : l10n.t('{0} stopped (exit code {1}). This terminal follows it when it runs again.', state.app.name, details.exitCode));
      } else {
        // Still running: the stream broke off (the engine CLI died). Follow new output again.
        await new Promise((resolve) => setTimeout(resolve, this.deps.retryMs ?? 1000));
        if (!follow.signal.aborted && !this.disposed) {
          await this.followUntilEnd(containerId, state, follow, 0);
        }
      }
    } catch (error) {
      if (!follow.signal.aborted && !this.disposed) {
        this.notice(l10n.t('Could not follow the logs of {0}: {1}', state.app.name, error instanceof Error ? error.message : String(error)));
      }
    }
  }

  private line(text: string): void {
    this.push(`${text}\r\n`);
  }

  private notice(text: string): void {
    this.push(`${DIM}${YELLOW}— ${text.replace(/\r?\n/g, '\r\n')} —${RESET}\r\n`);
  }

  private push(text: string): void {
    if (this.disposed) {
      return;
    }
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= MAX_PENDING_CHARS) {
      this.flush();
    } else {
      this.flushTimer ??= setTimeout(() => this.flush(), 0);
    }
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length > 0) {
      const text = this.pending.join('');
      this.pending = [];
      this.pendingChars = 0;
      this.deps.write(text);
    }
  }
}

function shortId(id: string): string {
  return id.slice(0, 12);
}
