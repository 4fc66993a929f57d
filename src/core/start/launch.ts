import { dependencyVolumeFor, type AppRef } from '../appIdentity';
import { resolveAppConfig, type AppDefinition, type FolderInfo } from '../appFolder';
import { launchOf } from '../appLaunch';
import { buildCacheVolume } from '../buildCache';
import type { NamedVolume, SourceMount } from '../engine/runArgs';
import { hostCapacity, resolveLimits, type HostCapacity, type ResourceLimits } from '../resources';
import type { AppOverride, Settings } from '../settings';
import { HIDDEN_NAMES, MIRROR_MEMBER_ENV, unmirrored } from '../sourceMirror';
import type { LaunchOptions } from '../launchPlan';
import { prepareDockerfileLaunch, type DockerfileLaunchInput } from './dockerfileLaunch';

/**
 * What a start runs, whatever kind of app it is: the "prepare the launch" step of a start turns
 * an app into this: a Node app from its package.json, an app with a Dockerfile from the image it
 * builds (first, when needed).
 */
export interface PreparedLaunch {
  readonly image: string;
  readonly containerPort: number;
  /** The container's full command (for Node apps: the app's command inside the source mirror). */
  readonly command: readonly string[];
  /** The app's own command, for messages ("its command (npm run dev) exited …"). */
  readonly appCommand: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly dependencyVolume?: string;
  readonly volumes: readonly NamedVolume[];
  /** Host folder mounted read-only (its real path, checked to lie inside the workspace). */
  readonly sourceFolder: string;
  readonly hiddenSourceEntries: readonly string[];
  /** The app's env file (real path, contained), if its entry names one. */
  readonly envFile: string | undefined;
  readonly limits: ResourceLimits;
  /** How the folder reaches the container (default: the Node source mirror). */
  readonly mount?: SourceMount;
  /** Dockerfile apps: the build hash of the image (its label), to tell later that it is out of date. */
  readonly buildHash?: string;
  /** How it was chosen, for the log. */
  readonly origin: string;
}

export interface LaunchInput {
  readonly app: AppRef;
  readonly override: AppOverride | undefined;
  readonly settings: Settings;
  readonly folder: FolderInfo;
  readonly sourceFolder: string;
  readonly envFile?: string | undefined;
  /** Variable names the env file sets (our defaults yield to them). */
  readonly envFileNames?: ReadonlySet<string>;
  readonly host?: HostCapacity;
  /** A monorepo workspace member: the root's copy is installed, the app runs in its folder there. */
  readonly workspace?: MemberLaunch;
}

/** A member and its workspace root's package.json and lockfiles (as the launch plan takes them). */
export type MemberLaunch = NonNullable<LaunchOptions['workspace']>;

/** A member path that can also name a volume's mount point (the engines' `-v` syntax): the build caches' case. */
const VOLUME_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * Containers have no terminal, so tools print no colours unless told to; the log terminal renders
 * them. An app that says anything about colour (env or env file) keeps its say.
 */
export function withColour(env: Readonly<Record<string, string>>, fileNames: ReadonlySet<string> | undefined): Readonly<Record<string, string>> {
  const says = (name: string): boolean => name in env || (fileNames?.has(name) ?? false);
  return says('FORCE_COLOR') || says('NO_COLOR') ? env : { FORCE_COLOR: '1', ...env };
}

/** What preparing a launch needs beyond a Node app's input: the engine and the build's hooks. */
export type PrepareInput = LaunchInput & Omit<DockerfileLaunchInput, 'launch' | keyof LaunchInput> & { readonly definition: AppDefinition };

/**
 * The decision per app: discovery said how it runs (see appLaunch.ts). A Node app runs the
 * zero-config plan in the Node image; a Dockerfile app runs the image its Dockerfile builds.
 */
export function prepareLaunch(input: PrepareInput): Promise<PreparedLaunch> {
  const launch = launchOf(input.definition);
  return launch.kind === 'dockerfile' ? prepareDockerfileLaunch({ ...input, launch }) : Promise.resolve(nodeLaunch(input));
}

/** A Node app: zero-config plan or the configured command, run inside a copy of its folder. */
export function nodeLaunch(input: LaunchInput): PreparedLaunch {
  const member = input.workspace?.membership;
  const config = resolveAppConfig(input.settings, input.override, input.folder, process.env, input.workspace);
  // A member's build caches sit in its folder of the copy; a path `-v` cannot carry goes without.
  const cacheDirs = member === undefined || VOLUME_PATH.test(member.member) ? config.buildCacheDirs : [];
  return {
    image: config.image,
    containerPort: config.containerPort,
    command: config.command,
    appCommand: unmirrored(config.command),
    env: withColour(member ? { ...config.env, [MIRROR_MEMBER_ENV]: member.member } : config.env, input.envFileNames),
    ...(config.cacheDependencies ? { dependencyVolume: dependencyVolumeFor(input.app) } : {}),
    // The stack's build cache survives the fresh copy of each new container (buildCache.ts).
    volumes: [...cacheDirs.map((dir) => buildCacheVolume(input.app, dir, member?.member)), ...config.volumes],
    sourceFolder: input.sourceFolder,
    // The repository's .git holds credentials; a folder by that name is hidden from the app.
    hiddenSourceEntries: HIDDEN_NAMES.filter((name) => (input.workspace?.rootInfo ?? input.folder).folders?.has(name)),
    envFile: input.envFile,
    limits: resolveLimits(input.settings.resources, input.override?.resources, input.host ?? hostCapacity()),
    origin: config.origin,
  };
}

/** `sh -c <install script> sh <command…>`: the command the app runs, after its install. */
export function describeCommand(command: readonly string[]): string {
  const installs = command[0] === 'sh' && command[1] === '-c' && command[3] === 'sh';
  const shown = installs ? `install dependencies, then ${command.slice(4).join(' ')}` : command.join(' ');
  return shown.length > 100 ? `${shown.slice(0, 100)}…` : shown || 'the image default';
}
