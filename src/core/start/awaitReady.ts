import * as l10n from '@vscode/l10n';
import type { AppRef } from '../appIdentity';
import type { ExitWatch } from '../containerExits';
import type { ContainerEngine } from '../engine/containerEngine';
import { AppListenError, AppStartError, CancelledError } from '../errors';
import { describeDiagnosis, isLoopbackAddress, ListenWatch, type ListenDiagnosis } from '../listeners';
import type { Logger } from '../logger';
import { reachableHost, SLOWEST_POLL_MS, waitForHttp } from '../readiness';
import type { Settings } from '../settings';
import { sleep } from '../timing';
import { describeCommand } from './launch';
import { untilNextTick, type StartPacing } from './startPacing';

const WAIT_SPAWN_DELAY_MS = 250;
const WAIT_BACKSTOP_DELAY_MS = 10_000;
/** With many starts at once (a lost die event is rare; twenty `wait` processes are not free). */
const WAIT_BACKSTOP_SLOWEST_MS = 60_000;
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
  /** The port the app should listen on inside its container (the published one). */
  readonly containerPort: number;
  /** The app visibly listens elsewhere: said at once (the start goes on for a grace period). */
  readonly onDiagnosis: ((message: string, usablePort: number | undefined) => void) | undefined;
  readonly logger: Logger;
  /** The starts waiting at once: their polls are spaced so that together they cost about one's. */
  readonly pacing: StartPacing;
}

type Outcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'exited'; readonly code: number | undefined }
  | { readonly kind: 'timedOut' }
  | { readonly kind: 'listensElsewhere'; readonly diagnosis: Exclude<ListenDiagnosis, { kind: 'fine' }> };

/** How often the app's sockets are read (a file read for a local engine), for a lone start. */
const LISTEN_POLL_MS = 250;
/** With many starts at once: the slowest socket read (a wrong address is still said within seconds). */
const LISTEN_SLOWEST_POLL_MS = 2000;
/** Most apps answer within a second: only then is it worth looking (the first look costs an inspect). */
const LISTEN_FIRST_LOOK_MS = 1000;
/** An app that listens on another port may still open the right one (two servers in one app): how long to wait for it. */
const OTHER_PORT_GRACE_MS = 10_000;

/**
 * The "await readiness" step: the app answering HTTP on its port, raced against the container
 * exiting and the startup timeout. Resolves when it answers; otherwise throws AppStartError (with
 * the log) or CancelledError.
 */
export async function awaitReady(ctx: ReadinessContext): Promise<void> {
  const { engine, app, settings } = ctx;
  if (ctx.signal.aborted) {
    throw new CancelledError(l10n.t('Starting {0}', app.appId));
  }
  const done = new AbortController();
  const onOuterAbort = (): void => done.abort(new CancelledError(l10n.t('Starting {0}', app.appId)));
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => done.abort(new Error('timeout')), settings.startupTimeoutSeconds * 1000);
  try {
    const outcome = await Promise.race([answered(ctx, done.signal), exited(ctx, done.signal), listensElsewhere(ctx, done.signal)]).catch((error: unknown): Outcome => {
      if (ctx.signal.aborted) {
        throw new CancelledError(l10n.t('Starting {0}', app.appId));
      }
      if (done.signal.reason instanceof Error && done.signal.reason.message === 'timeout') {
        return { kind: 'timedOut' };
      }
      throw error;
    });
    if (outcome.kind === 'timedOut') {
      throw new AppStartError(app.appId, l10n.t('it did not answer HTTP on port {0} within {1} s (previewContainers.startupTimeoutSeconds).', ctx.port, settings.startupTimeoutSeconds), await engine.logs(ctx.containerId, LOG_TAIL));
    }
    if (outcome.kind === 'listensElsewhere') {
      const { diagnosis } = outcome;
      const usable = diagnosis.kind === 'otherPort' && !isLoopbackAddress(diagnosis.listener.address) ? diagnosis.listener.port : undefined;
      throw new AppListenError(app.appId, describeDiagnosis(app.appId, ctx.containerPort, diagnosis), await engine.logs(ctx.containerId, LOG_TAIL), usable);
    }
    if (outcome.kind === 'exited') {
      const logs = await engine.logs(ctx.containerId, LOG_TAIL);
      const details = await engine.inspect(ctx.containerId).catch(() => undefined);
      const reason = details?.error ?? l10n.t('its command ({0}) exited with code {1} before answering HTTP.', describeCommand(ctx.appCommand), outcome.code ?? details?.exitCode ?? '?');
      throw new AppStartError(app.appId, reason, logs);
    }
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onOuterAbort);
    done.abort(new Error('finished'));
  }
}

function answered(ctx: ReadinessContext, signal: AbortSignal): Promise<Outcome> {
  const stretch = (interval: number): number => ctx.pacing.interval(interval, Math.max(interval, SLOWEST_POLL_MS));
  return waitForHttp(ctx.engine.host ?? reachableHost(ctx.settings.bindAddress), ctx.port, signal, stretch).then(() => ({ kind: 'ready' }));
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
  const fromWait = (live ? backstopDelay(ctx.pacing, signal) : sleep(WAIT_SPAWN_DELAY_MS, signal)).then(() => (signal.aborted ? never : ctx.engine.wait(ctx.containerId, signal)));
  // A watch cut short by our own abort says nothing about the container.
  return Promise.race([fromEvents, fromWait]).then((code) => (signal.aborted ? never : { kind: 'exited', code }));
}

/** 10 s for a lone start; longer while many wait at once (re-checked every 10 s, as starts end). */
async function backstopDelay(pacing: StartPacing, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  do {
    await sleep(WAIT_BACKSTOP_DELAY_MS, signal);
  } while (!signal.aborted && Date.now() - started < pacing.interval(WAIT_BACKSTOP_DELAY_MS, WAIT_BACKSTOP_SLOWEST_MS));
}

/**
 * Reads where the app listens while it starts. Loopback only on the published port: it will never
 * answer, fail now. Another port: say so at once, and fail after a grace period unless the
 * published port opens meanwhile.
 */
async function listensElsewhere(ctx: ReadinessContext, signal: AbortSignal): Promise<Outcome> {
  const watch = new ListenWatch(ctx.containerPort);
  let reported: { key: string; at: number } | undefined;
  await sleep(LISTEN_FIRST_LOOK_MS - LISTEN_POLL_MS, signal);
  while (!signal.aborted) {
    // On the wall clock's ticks: the starts looking in the same tick share the engine's inspect
    // for their PIDs (cliEngine batches the calls made together).
    await sleep(untilNextTick(ctx.pacing.interval(LISTEN_POLL_MS, LISTEN_SLOWEST_POLL_MS), Date.now()), signal);
    const listeners = signal.aborted ? undefined : await ctx.engine.listeners(ctx.containerId).catch(() => undefined);
    if (!listeners) {
      continue;
    }
    const now = Date.now();
    const diagnosis = watch.observe(listeners, now);
    if (diagnosis.kind === 'loopbackOnly') {
      return { kind: 'listensElsewhere', diagnosis };
    }
    if (diagnosis.kind === 'fine') {
      reported = undefined;
      continue;
    }
    const key = `${diagnosis.listener.address}|${diagnosis.listener.port}`;
    if (reported?.key !== key) {
      reported = { key, at: now };
      const message = describeDiagnosis(ctx.app.appId, ctx.containerPort, diagnosis);
      ctx.logger.warn(message);
      ctx.onDiagnosis?.(message, isLoopbackAddress(diagnosis.listener.address) ? undefined : diagnosis.listener.port);
    } else if (now - reported.at >= OTHER_PORT_GRACE_MS) {
      return { kind: 'listensElsewhere', diagnosis };
    }
  }
  return never;
}
