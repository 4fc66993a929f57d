import * as l10n from '@vscode/l10n';
import { containerNameFor, type AppRef } from '../appIdentity';
import { EngineRunError, RunSpecError } from '../engine/engineErrors';
import type { ContainerEngine } from '../engine/containerEngine';
import type { EnginePortUse } from '../engine/portUsage';
import { ContainerRuntimeError, EngineCommandError, ImageMissingError, PoolExhaustedError, PortConflictError } from '../errors';
import type { Logger } from '../logger';
import type { AllocateOptions, PortAllocator, PortLease } from '../portAllocator';
import { answers, reachableHost } from '../readiness';
import type { Settings } from '../settings';
import type { PreparedLaunch } from './launch';

const MAX_PORT_ATTEMPTS = 5;

export interface PortRetryContext {
  readonly engine: ContainerEngine;
  readonly app: AppRef;
  readonly launch: PreparedLaunch;
  readonly settings: Settings;
  readonly allocator: PortAllocator;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** A fresh engine view the start already has (saves the allocator asking again). */
  readonly enginePorts: ReadonlyMap<number, EnginePortUse>;
  readonly progress: (stage: string) => void;
  /** The port leased for this attempt (the state shows it at once). */
  readonly onLease: (port: number) => void;
  readonly onPortConflict?: () => void;
  /** Releases the leases nobody can use any more (deleted folders, expired); returns how many. */
  readonly reclaimPool?: (() => Promise<number>) | undefined;
  /** Pulls the image (a missing one, when the policy allows). */
  readonly pull: (image: string) => Promise<void>;
  readonly throwIfCancelled: () => void;
}

/**
 * The "run" step: `run` with the allocator's port; if the engine refuses the port anyway (another
 * window or a process outside the editor took it meanwhile), repair whatever holds it, mark it
 * taken, and try the next one — bounded. The lease follows the port actually used. `run` never
 * pulls (`--pull never`): a missing image is pulled here when the policy allows, then run again.
 */
export async function runOnPoolPort(ctx: PortRetryContext): Promise<{ id: string; lease: PortLease }> {
  const { engine, app, launch, settings } = ctx;
  const name = containerNameFor(app);
  const state: RetryState = { refused: [], nameClashes: 0, pulled: settings.pullPolicy === 'always' };
  const { refused } = state;
  let freshView: ReadonlyMap<number, EnginePortUse> | undefined = ctx.enginePorts;
  // Bounded: a few refused ports, plus one pull and one name clash.
  for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS + 2 && refused.length < MAX_PORT_ATTEMPTS; attempt++) {
    ctx.progress(refused.length === 0 ? l10n.t('Allocating a port…') : l10n.t('Port {0} is taken; trying another…', refused[refused.length - 1] ?? ''));
    const lease = await allocate(ctx, { avoid: refused, enginePorts: freshView });
    freshView = undefined;
    ctx.onLease(lease.port);
    ctx.throwIfCancelled();
    ctx.progress(l10n.t('Creating the container on port {0}…', lease.port));
    try {
      const id = await engine.run({
        lease,
        name,
        image: launch.image,
        bindAddress: settings.bindAddress,
        containerPort: launch.containerPort,
        command: launch.command,
        env: launch.env,
        volumes: launch.volumes,
        sourceFolder: launch.sourceFolder,
        hiddenSourceEntries: launch.hiddenSourceEntries,
        limits: launch.limits,
        ...(launch.envFile === undefined ? {} : { envFile: launch.envFile }),
        ...(launch.mount === undefined ? {} : { mount: launch.mount }),
        ...(launch.dependencyVolume === undefined ? {} : { dependencyVolume: launch.dependencyVolume }),
      });
      return { id, lease };
    } catch (error) {
      if (error instanceof RunSpecError) {
        throw new ContainerRuntimeError(app.appId, error.message);
      }
      if (!(error instanceof EngineRunError)) {
        throw error;
      }
      // A failed run can leave a created container behind.
      await engine.remove(name).catch(() => undefined);
      await afterRefusal(ctx, error, lease.port, state);
    }
  }
  throw new PortConflictError(app.appId, refused);
}

/**
 * A full pool first gives back what the next reconcile pass would release anyway (leases of
 * deleted folders, expired ones), so a start does not fail for ports nobody can use.
 */
async function allocate(ctx: PortRetryContext, options: AllocateOptions): Promise<PortLease> {
  try {
    return await ctx.allocator.allocatePort(ctx.app, options);
  } catch (error) {
    if (!(error instanceof PoolExhaustedError) || !ctx.reclaimPool) {
      throw error;
    }
    ctx.progress('The port pool is full: releasing unused ports…');
    if ((await ctx.reclaimPool()) === 0) {
      throw error;
    }
    // The engine view given before is stale now: the released leases' containers are gone.
    return ctx.allocator.allocatePort(ctx.app, { ...(options.avoid ? { avoid: options.avoid } : {}) });
  }
}

/** What the attempts so far learnt: refused ports, name clashes, whether the image was pulled. */
interface RetryState {
  readonly refused: number[];
  nameClashes: number;
  pulled: boolean;
}

/**
 * What to do after `run` failed: retry on another port (after repairing the holder), retry after
 * clearing a name clash or pulling the image — or throw the clear error for the user.
 */
async function afterRefusal(ctx: PortRetryContext, error: EngineRunError, port: number, state: RetryState): Promise<void> {
  const { app, launch, settings, engine } = ctx;
  switch (error.kind) {
    case 'portConflict':
      ctx.logger.warn(`The engine refused port ${port} for ${app.appId}: ${error.message}`);
      state.refused.push(port);
      ctx.onPortConflict?.();
      await repairHolderOf(ctx, port);
      return;
    case 'nameInUse':
      // Another window created it between our list and run: it was cleared; try once more. A
      // name the engine keeps refusing is its problem to report, not a port's.
      if (++state.nameClashes > 1) {
        throw new ContainerRuntimeError(app.appId, error.message);
      }
      return;
    case 'imageMissing':
      if (settings.pullPolicy === 'never' || state.pulled) {
        throw new ImageMissingError(launch.image);
      }
      await ctx.pull(launch.image);
      state.pulled = true;
      return;
    case 'runtime':
      throw new ContainerRuntimeError(app.appId, error.message);
    default:
      throw new EngineCommandError(`${engine.binary} run`, error.message, undefined);
  }
}

/**
 * Podman 4.3 drops the forwarding of the container that holds a port when another `run` fails
 * on it. Put it back and check that it answers again.
 */
async function repairHolderOf(ctx: PortRetryContext, port: number): Promise<void> {
  const { engine } = ctx;
  try {
    const holders = (await engine.list({ all: false, ours: false })).filter((c) => c.running && c.ports.some((p) => p.hostPort === port));
    for (const holder of holders) {
      await engine.repairForwarding(holder.id);
      const ok = await answers(engine.host ?? reachableHost(ctx.settings.bindAddress), port);
      ctx.logger.info(`Repaired the port forwarding of ${holder.name} on ${port}: ${ok ? 'answers again' : 'not answering HTTP (may not be an HTTP server)'}.`);
    }
  } catch (error) {
    ctx.logger.warn(`Could not repair the holder of port ${port}: ${String(error)}`);
  }
}
