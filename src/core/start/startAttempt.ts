import * as l10n from '@vscode/l10n';
import type { RunAppResult } from '../../api';
import { containerNameFor, type AppRef } from '../appIdentity';
import type { AppDefinition, FolderInfo } from '../appFolder';
import type { AppStatePatch } from '../appStates';
import type { BuildLogs } from '../buildLogs';
import type { ExitWatch } from '../containerExits';
import type { ContainerEngine } from '../engine/containerEngine';
import { containedEnvFile } from '../envFile';
import { isOurs, labelledPort, LABEL_BUILD_HASH, LABEL_PATH } from '../engine/labels';
import { portUsageFrom } from '../engine/portUsage';
import type { ContainerSummary } from '../engine/types';
import { AppFolderError, CancelledError, EngineCommandError, ImagePullError, RemoteEngineLoopbackError } from '../errors';
import type { Lease } from '../leaseStore';
import type { Clock, Logger } from '../logger';
import type { PortAllocator, PortLease } from '../portAllocator';
import { isLoopbackHost } from '../readiness';
import type { Settings } from '../settings';
import { awaitReady } from './awaitReady';
import type { StartPacing } from './startPacing';
import { launchOf } from '../appLaunch';
import type { WorkspaceMembership } from '../workspaceMembership';
import { prepareLaunch, type MemberLaunch, type PreparedLaunch } from './launch';
import { runOnPoolPort } from './portRetry';

/** What `run` resolves to: the public result plus what the controller knows besides. */
export interface RunResult extends RunAppResult {
  readonly containerId: string;
  /** True when the app was already running and nothing was started. */
  readonly alreadyRunning: boolean;
}

/** What every start uses; the controller builds it once. */
export interface StartDeps {
  readonly allocator: PortAllocator;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly exits: ExitWatch | undefined;
  readonly onPortConflict: (() => void) | undefined;
  readonly reclaimPool: (() => Promise<number>) | undefined;
  readonly inspectFolder: (folder: string) => Promise<FolderInfo>;
  /** The monorepo workspace the app is a member of (above its folder, inside its workspace folder). */
  readonly findMembership: (app: AppRef, folder: FolderInfo) => Promise<WorkspaceMembership | undefined>;
  /** The host folder to mount: its real path, checked to lie inside the workspace. */
  readonly resolveSourceFolder: (app: AppRef) => Promise<string>;
  /** Every container, from a list that started after the call (shared by concurrent starts). */
  readonly listAll: (engine: ContainerEngine) => Promise<ContainerSummary[]>;
  readonly update: (app: AppRef, patch: AppStatePatch) => void;
  readonly startedAtOf: (app: AppRef) => number | undefined;
  /** The container the event-fed state knows for the app, if any, and whether it is known stopped. */
  readonly knownContainerOf: (app: AppRef) => KnownContainer | undefined;
  readonly urlFor: (port: number, engine: ContainerEngine) => string;
  /** The output of image builds (Dockerfile apps), for the apps' logs. */
  readonly buildLogs: BuildLogs;
  /** Shared by all starts: how many wait for their apps at once. */
  readonly pacing: StartPacing;
}

export interface KnownContainer {
  readonly id: string;
  /** The state says stopped (Stop keeps the container, for its logs and exit code). */
  readonly stopped: boolean;
}

export interface StartRequest {
  /** The engine (detected on first use): resolved inside the attempt, so a missing one fails it like any step. */
  readonly engine: () => Promise<ContainerEngine>;
  readonly definition: AppDefinition;
  readonly settings: Settings;
  readonly signal: AbortSignal;
  readonly onProgress: ((stage: string) => void) | undefined;
  /** The app visibly listens where the published port cannot reach it (said within seconds). */
  readonly onDiagnosis: ((message: string, usablePort: number | undefined) => void) | undefined;
  /** Rebuild App Container: a Dockerfile app's image is built again, without the layer cache. */
  readonly forceBuild?: boolean;
}

const HEARTBEAT_MS = 20_000;

/**
 * One start of one app, as small steps: look at what exists → adopt a running container of the
 * app → prepare the launch (what to run) → run it on a pool port (with port retry) → await its
 * readiness → settle; on any failure, clean up so nothing is half-started. A new kind of app or a
 * new check is a new step or launch kind here, not a longer method.
 */
export class StartAttempt {
  private readonly app: AppRef;
  private engineValue: ContainerEngine | undefined;
  /** Set once something may exist that a failure must clean up (a lease, a container). */
  private touched = false;

  constructor(
    private readonly deps: StartDeps,
    private readonly request: StartRequest,
  ) {
    this.app = request.definition.ref;
  }

  async run(): Promise<RunResult> {
    const previous = await this.deps.allocator.lease(this.app.key);
    // Read before this start marks the app starting.
    const known = this.deps.knownContainerOf(this.app);
    const checking = l10n.t('Checking the container engine…');
    this.deps.update(this.app, { status: 'starting', stage: checking, error: undefined, port: previous?.port });
    this.request.onProgress?.(checking);
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      this.engineValue = await this.request.engine();
      this.throwIfCancelled();
      const { containers, folder } = await this.look(previous, known);
      const adopted = await this.adoptExisting(containers, previous);
      if (adopted) {
        return adopted;
      }
      const launch = await this.prepareLaunch(folder);
      this.touched = true;
      // While this start is in flight, keep the lease fresh so other windows' repair leaves it be.
      heartbeat = setInterval(() => void this.deps.allocator.touch(this.app).catch(() => undefined), HEARTBEAT_MS);
      const { id, lease } = await this.runOnPoolPort(launch, containers);
      await this.awaitReadiness(id, lease, launch);
      return await this.settle(id, lease);
    } catch (error) {
      throw await this.cleanUp(error, previous);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private get engine(): ContainerEngine {
    if (!this.engineValue) {
      throw new Error('the engine is resolved first');
    }
    return this.engineValue;
  }

  /**
   * One container list answers "is the app's container there?" and "which ports are used?"; the
   * folder is read meanwhile. A sticky re-run skips the list when the answer is already known.
   */
  private async look(previous: Lease | undefined, known: KnownContainer | undefined): Promise<{ containers: ContainerSummary[]; folder: FolderInfo }> {
    const containers = this.listUnlessKnown(previous, known);
    const [listed, folder] = await Promise.all([containers, this.deps.inspectFolder(this.app.folder)]);
    return { containers: listed, folder };
  }

  /**
   * No list (an engine CLI round-trip, ~0.1 s) when the event-fed state knows no container of the
   * app, or only the one Stop left, and its confirmed sticky port is free on a local engine: any
   * running container, ours or not, would hold that port; the stopped one is removed by id (a
   * start replaces it anyway, so settings changes apply); another stopped one under our name makes
   * `run` fail with a name clash, which the run step clears and retries; a remote engine's ports
   * cannot be probed from here.
   */
  private async listUnlessKnown(previous: Lease | undefined, known: KnownContainer | undefined): Promise<ContainerSummary[]> {
    const local = this.engine.host === undefined && isLoopbackHost(this.request.settings.bindAddress);
    if (local && previous?.confirmed === true && (known === undefined || known.stopped)) {
      if ((await this.deps.allocator.freeStickyPort(this.app)) === previous.port) {
        this.deps.logger.debug(`${this.app.appId}: port ${previous.port} is free and no running container of it is known; starting without a list.`);
        if (known) {
          // Gone already (removed outside the editor): nothing to do; the run's name clash retry covers the rest.
          await this.engine.remove(known.id).catch(() => undefined);
        }
        return [];
      }
    }
    return this.deps.listAll(this.engine);
  }

  /** Running already: `run` is idempotent. A stopped or stale container of the app is removed so settings changes apply. */
  private async adoptExisting(containers: readonly ContainerSummary[], previous: Lease | undefined): Promise<RunResult | undefined> {
    const engine = this.engine;
    const name = containerNameFor(this.app);
    // Its own name first; a container of the folder under another name (an older naming) after.
    const existing = containers.find((c) => c.name === name) ?? containers.find((c) => isContainerOf(c, this.app));
    const port = existing ? labelledPort(existing.labels) : undefined;
    if (existing?.running && port !== undefined && existing.labels[LABEL_PATH] === this.app.key && (previous === undefined || port === previous.port)) {
      if (previous === undefined) {
        await this.deps.allocator.adopt(this.app, port);
      }
      const url = this.deps.urlFor(port, engine);
      const startedAt = this.deps.startedAtOf(this.app) ?? (await engine.inspect(existing.id))?.startedAt;
      this.deps.update(this.app, { status: 'running', port, containerId: existing.id, image: existing.image, buildHash: existing.labels[LABEL_BUILD_HASH], startedAt, url, stage: undefined });
      return { appId: this.app.appId, port, url, containerId: existing.id, alreadyRunning: true };
    }
    if (existing) {
      await engine.remove(existing.id);
    }
    return undefined;
  }

  private async workspaceOf(folder: FolderInfo): Promise<MemberLaunch | undefined> {
    const membership = await this.deps.findMembership(this.app, folder);
    if (membership) {
      return { membership, rootInfo: await this.deps.inspectFolder(membership.root) };
    }
    // `workspace:` dependencies only install from the monorepo's root: without one in the
    // workspace (apps/web opened alone), say so now instead of letting the install fail on them.
    const linked = Object.entries(folder.pkg?.dependencies ?? {}).filter(([, spec]) => spec.startsWith('workspace:'));
    // An explicit apps[].command says how the app installs: left to it.
    if (linked.length > 0 && this.request.definition.override?.command === undefined) {
      throw new AppFolderError(
        this.app.appId,
        l10n.t(
          'its package.json depends on workspace packages ({0}), which install only from the monorepo root that lists the app, and no such root lies inside the workspace folder {1}. Open the monorepo root (the folder with pnpm-workspace.yaml or a "workspaces" list) in VS Code, or add it to the workspace.',
          linked.map(([name]) => name).join(', '),
          this.app.root,
        ),
      );
    }
    return undefined;
  }

  /** What to run: the Node plan, or a Dockerfile app's image (built first when needed; see launch.ts). */
  private async prepareLaunch(folder: FolderInfo): Promise<PreparedLaunch> {
    const { settings, definition, signal } = this.request;
    const engine = this.engine;
    if (engine.host !== undefined && isLoopbackHost(settings.bindAddress)) {
      throw new RemoteEngineLoopbackError(engine.host, settings.bindAddress);
    }
    // A monorepo member runs on its workspace root (installed there), found now like the folder.
    const workspace = launchOf(definition).kind === 'node' ? await this.workspaceOf(folder) : undefined;
    // Checked now, not at discovery: the folder may have been swapped for a symlink since.
    const sourceFolder = await this.deps.resolveSourceFolder(workspace ? { ...this.app, folder: workspace.membership.root } : this.app);
    const envFile = await containedEnvFile(this.app, definition.override);
    const launch = await prepareLaunch({
      definition,
      engine,
      app: this.app,
      override: definition.override,
      settings,
      folder,
      sourceFolder,
      ...(workspace ? { workspace } : {}),
      envFile: envFile?.path,
      envFileNames: envFile?.names,
      signal,
      forceBuild: this.request.forceBuild ?? false,
      progress: (stage) => this.progress(stage),
      buildLog: { begin: () => this.deps.buildLogs.begin(this.app), append: (line) => this.deps.buildLogs.append(this.app, line) },
      logger: this.deps.logger,
    });
    this.deps.logger.info(`Starting ${this.app.appId}: ${launch.origin}; ${launch.appCommand.join(' ')} on container port ${launch.containerPort}.`);
    // A built image is ours and local: only the Node image is pulled.
    if (settings.pullPolicy === 'always' && launch.buildHash === undefined) {
      await this.pull(launch.image);
    }
    this.throwIfCancelled();
    return launch;
  }

  private async runOnPoolPort(launch: PreparedLaunch, containers: readonly ContainerSummary[]): Promise<{ id: string; lease: PortLease }> {
    const { settings, signal } = this.request;
    const result = await runOnPoolPort({
      engine: this.engine,
      app: this.app,
      launch,
      settings,
      allocator: this.deps.allocator,
      logger: this.deps.logger,
      signal,
      enginePorts: portUsageFrom(containers),
      progress: (stage) => this.progress(stage),
      onLease: (port) => this.deps.update(this.app, { port }),
      onPortConflict: this.deps.onPortConflict,
      reclaimPool: this.deps.reclaimPool,
      pull: (image) => this.pull(image),
      throwIfCancelled: () => this.throwIfCancelled(),
    });
    this.deps.update(this.app, { containerId: result.id, port: result.lease.port, image: launch.image, buildHash: launch.buildHash, startedAt: this.deps.clock() });
    return result;
  }

  private async awaitReadiness(id: string, lease: PortLease, launch: PreparedLaunch): Promise<void> {
    this.progress(l10n.t('Waiting for the app on port {0}…', lease.port));
    const { settings, signal } = this.request;
    const done = this.deps.pacing.begin();
    try {
      await awaitReady({
        engine: this.engine,
        app: this.app,
        containerId: id,
        port: lease.port,
        settings,
        signal,
        exits: this.deps.exits,
        appCommand: launch.appCommand,
        containerPort: launch.containerPort,
        onDiagnosis: this.request.onDiagnosis,
        logger: this.deps.logger,
        pacing: this.deps.pacing,
      });
    } finally {
      done();
    }
  }

  private async settle(id: string, lease: PortLease): Promise<RunResult> {
    await this.deps.allocator.confirm(this.app);
    const url = this.deps.urlFor(lease.port, this.engine);
    this.deps.update(this.app, { status: 'running', url, stage: undefined });
    this.deps.logger.info(`${this.app.appId} is answering on ${url}`);
    return { appId: this.app.appId, port: lease.port, url, containerId: id, alreadyRunning: false };
  }

  /**
   * Nothing half-started: the container goes; so does a lease made for this start, unless the app
   * had run before (a confirmed lease): then it keeps the port it ran on, even if this start had
   * moved it. Returns the error to throw (a cancellation, if the start was cancelled).
   */
  private async cleanUp(error: unknown, previous: Lease | undefined): Promise<unknown> {
    const { allocator, logger } = this.deps;
    if (this.touched && this.engineValue) {
      const name = containerNameFor(this.app);
      await this.engineValue.remove(name).catch((e: unknown) => logger.warn(`Could not remove ${name} after a failed start: ${String(e)}`));
      const settle = previous?.confirmed ? allocator.restore(previous) : allocator.releasePort(this.app);
      await settle.catch((e: unknown) => logger.warn(`Could not settle the port of ${this.app.appId}: ${String(e)}`));
    }
    const failure = this.request.signal.aborted ? new CancelledError(l10n.t('Starting {0}', this.app.appId)) : error;
    const port = await allocator.leaseOf(this.app.key).catch(() => undefined);
    this.deps.update(this.app, {
      status: failure instanceof CancelledError ? 'stopped' : 'failed',
      error: failure instanceof Error ? failure.message : String(failure),
      stage: undefined,
      url: undefined,
      startedAt: undefined,
      containerId: undefined,
      port,
    });
    return failure;
  }

  private async pull(image: string): Promise<void> {
    this.progress(l10n.t('Pulling {0}…', image));
    try {
      await this.engine.pull(image, (line) => this.deps.logger.debug(`pull: ${line}`), this.request.signal);
    } catch (error) {
      if (this.request.signal.aborted) {
        throw error;
      }
      throw new ImagePullError(image, error instanceof EngineCommandError ? error.stderr : String(error));
    }
  }

  private progress(stage: string): void {
    this.deps.update(this.app, { stage });
    this.request.onProgress?.(stage);
  }

  private throwIfCancelled(): void {
    if (this.request.signal.aborted) {
      throw new CancelledError(l10n.t('Starting {0}', this.app.appId));
    }
  }
}

/** A container of this app: by its name, or by our folder label (an older naming, a duplicate). */
export function isContainerOf(container: ContainerSummary, app: AppRef): boolean {
  return container.name === containerNameFor(app) || (isOurs(container.labels) && container.labels[LABEL_PATH] === app.key);
}
