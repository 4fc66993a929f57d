import { hostCapacity, resolveLimits, type HostCapacity } from '../resources';
import type { AppRef } from '../appIdentity';
import type { FolderInfo } from '../appFolder';
import type { DockerfileLaunch } from '../appLaunch';
import type { ContainerEngine } from '../engine/containerEngine';
import { dockerfileRunConfig } from '../dockerfileRun';
import { buildAppImage, needsBuild, planDockerfileBuild, type BuildReason } from '../imageBuild';
import type { Logger } from '../logger';
import type { AppOverride, Settings } from '../settings';
import { HIDDEN_NAMES } from '../sourceMirror';
import type { PreparedLaunch } from './launch';

export interface DockerfileLaunchInput {
  readonly engine: ContainerEngine;
  readonly app: AppRef;
  readonly launch: DockerfileLaunch;
  readonly override: AppOverride | undefined;
  readonly settings: Settings;
  readonly folder: FolderInfo;
  /** The app folder's real path, checked to lie inside the workspace (mounted only with mountSource). */
  readonly sourceFolder: string;
  readonly signal: AbortSignal;
  /** Rebuild App Container: build even when the image is current, without the layer cache. */
  readonly forceBuild: boolean;
  /** The notification's text: the build's current step. */
  readonly progress: (stage: string) => void;
  /** The app's build log (see buildLogs.ts): a build begins it anew, then every output line. */
  readonly buildLog: { begin(): void; append(line: string): void };
  readonly logger: Logger;
  /** The app's env file (real path, contained), if its entry names one. */
  readonly envFile?: string | undefined;
  readonly host?: HostCapacity;
}

const REASONS: Record<BuildReason, string> = {
  noImage: 'no image for the current Dockerfile and context yet',
  pullAlways: 'pull policy "always": checking for newer base images',
  baseChanged: 'a base image changed since the last build',
  forced: 'Rebuild App Container (no layer cache)',
};

const MAX_STAGE_CHARS = 120;

/**
 * "Prepare the launch" of a Dockerfile app: plan the build (inputs checked to lie in the
 * workspace), build only when the image is missing or out of date (or a rebuild was asked for),
 * then the run settings of the built image. Runs before any port is leased, so a failing or
 * cancelled build leaves no lease and no container; the engine's `build` leaves no tag.
 */
export async function prepareDockerfileLaunch(input: DockerfileLaunchInput): Promise<PreparedLaunch> {
  const { engine, app, settings, logger } = input;
  input.progress('Reading the Dockerfile…');
  const plan = await planDockerfileBuild({ ref: app, launch: input.launch }, { engine, pullPolicy: settings.pullPolicy });
  for (const note of plan.notes) {
    logger.info(`${app.appId}: ${note}`);
  }
  const reason = await needsBuild(engine, plan, { pullPolicy: settings.pullPolicy, force: input.forceBuild });
  if (reason !== undefined) {
    logger.info(`Building ${plan.tag} for ${app.appId}: ${REASONS[reason]}.`);
    input.buildLog.begin();
    input.buildLog.append(`— building ${plan.tag}: ${REASONS[reason]} —`);
    input.progress('Building the image…');
    await buildAppImage(engine, plan, {
      signal: input.signal,
      noCache: reason === 'forced',
      onLine: (line) => input.buildLog.append(line),
      onStep: (step) => input.progress(shorten(`Building: step ${step.position} ${step.instruction}`)),
      logger,
    });
    input.buildLog.append(`— built ${plan.tag} —`);
  }
  const image = await engine.inspectImage(plan.tag);
  const config = dockerfileRunConfig(plan, image, input.override, settings);
  for (const note of config.notes) {
    logger.info(`${app.appId}: ${note}`);
  }
  return {
    image: config.image,
    containerPort: config.containerPort,
    command: config.command,
    appCommand: config.command.length > 0 ? config.command : [`the CMD of ${plan.tag}`],
    env: config.env,
    volumes: [],
    sourceFolder: input.sourceFolder,
    // As for Node apps: the entry's env file and the resource limits apply to the image's process.
    envFile: input.envFile,
    limits: resolveLimits(input.settings.resources, input.override?.resources, input.host ?? hostCapacity()),
    // Only a mounted folder can show its .git; nothing is mounted otherwise.
    hiddenSourceEntries: config.mount.kind === 'readOnly' ? HIDDEN_NAMES.filter((name) => input.folder.folders?.has(name)) : [],
    mount: config.mount,
    buildHash: plan.hash,
    origin: config.origin,
  };
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > MAX_STAGE_CHARS ? `${line.slice(0, MAX_STAGE_CHARS)}…` : line;
}
