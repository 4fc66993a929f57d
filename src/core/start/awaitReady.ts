import type { AppRef } from '../appIdentity';
import type { ExitWatch } from '../containerExits';
import type { ContainerEngine } from '../engine/containerEngine';
import { AppStartError, CancelledError } from '../errors';
import { reachableHost, waitForHttp } from '../readiness';
import type { Settings } from '../settings';
import { sleep } from '../timing';
import { describeCommand } from './launch';

const WAIT_SPAWN_DELAY_MS = 250;
const WAIT_BACKSTOP_DELAY_MS = 10_000;
export const LOG_TAIL = 30;

export interface ReadinessContext {
  readonly engine: ContainerEngine;
  readonly app: AppRef;
  readonly containerId: string;
  readonly port: number;
  readonly settings: Settings;
  readonly signal: AbortSignal;
  readonly exits: ExitWatch | undefined;
  /** The app's own command, for the message when it exits. */
  readonly appCommand: readonly string[];
}

type Outcome = { readonly kind: 'ready' } | { readonly kind: 'exited'; readonly code: number | undefined } | { readonly kind: 'timedOut' };

/**
 * The "await readiness" step: the app answering HTTP on its port, raced against the container
 * exiting and the startup timeout. Resolves when it answers; otherwise throws AppStartError (with
 * the log) or CancelledError.
 */
export async function awaitReady(ctx: ReadinessContext): Promise<void> {
  const { engine, app, settings } = ctx;
  if (ctx.signal.aborted) {
    throw new CancelledError(`Starting ${app.appId}`);
  }
  const done = new AbortController();
  const onOuterAbort = (): void => done.abort(new CancelledError(`Starting ${app.appId}`));
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => done.abort(new Error('timeout')), settings.startupTimeoutSeconds * 1000);
  try {
    const outcome = await Promise.race([answered(ctx, done.signal), exited(ctx, done.signal)]).catch((error: unknown): Outcome => {
      if (ctx.signal.aborted) {
        throw new CancelledError(`Starting ${app.appId}`);
      }
      if (done.signal.reason instanceof Error && done.signal.reason.message === 'timeout') {
        return { kind: 'timedOut' };
      }
      throw error;
    });
    if (outcome.kind === 'timedOut') {
      throw new AppStartError(app.appId, `it did not answer HTTP on port ${ctx.port} within ${settings.startupTimeoutSeconds} s (previewContainers.startupTimeoutSeconds).`, await engine.logs(ctx.containerId, LOG_TAIL));
    }
    if (outcome.kind === 'exited') {
      const logs = await engine.logs(ctx.containerId, LOG_TAIL);
      const details = await engine.inspect(ctx.containerId).catch(() => undefined);
      const reason = details?.error ?? `its command (${describeCommand(ctx.appCommand)}) exited with code ${outcome.code ?? details?.exitCode ?? '?'} before answering HTTP.`;
      throw new AppStartError(app.appId, reason, logs);
    }
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onOuterAbort);
    done.abort(new Error('finished'));
  }
}

function answered(ctx: ReadinessContext, signal: AbortSignal): Promise<Outcome> {
  return waitForHttp(ctx.engine.host ?? reachableHost(ctx.settings.bindAddress), ctx.port, signal).then(() => ({ kind: 'ready' }));
}

const never = new Promise<never>(() => undefined);

/**
 * With the event stream up, a `die` event says the container exited; an engine `wait` (a whole
 * CLI process) is only the backstop for slow starts. Without it, `wait` it is — spawned a little
 * later, since most apps answer before it would even start.
 */
function exited(ctx: ReadinessContext, signal: AbortSignal): Promise<Outcome> {
  const live = ctx.exits?.live() ?? false;
  const fromEvents = live && ctx.exits ? ctx.exits.waitForExit(ctx.containerId, signal) : never;
  const fromWait = sleep(live ? WAIT_BACKSTOP_DELAY_MS : WAIT_SPAWN_DELAY_MS, signal).then(() => (signal.aborted ? never : ctx.engine.wait(ctx.containerId, signal)));
  // A watch cut short by our own abort says nothing about the container.
  return Promise.race([fromEvents, fromWait]).then((code) => (signal.aborted ? never : { kind: 'exited', code }));
}
