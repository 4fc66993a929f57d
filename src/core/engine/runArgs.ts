import * as net from 'node:net';
import type { PortLease } from '../portAllocator';
import { isCpuLimit, isMemoryLimit, type ResourceLimits } from '../resources';
import { APP_DIR, SOURCE_DIR } from '../sourceMirror';
import { RunSpecError } from './engineErrors';
import { LABEL_APP, LABEL_MANAGED, LABEL_PATH, LABEL_PORT } from './labels';
import type { EngineKind } from './types';

/** Everything `run` needs. The host port comes only from `lease`: no number can be passed in. */
export interface RunSpec {
  readonly lease: PortLease;
  readonly name: string;
  readonly image: string;
  readonly bindAddress: string;
  readonly containerPort: number;
  /** argv after the image; empty means the image's own command. */
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** A named volume for the app's node_modules (a dependency cache), if any. */
  readonly dependencyVolume?: string;
  /** More named volumes (never host paths), e.g. the package cache all apps share. */
  readonly volumes?: readonly NamedVolume[];
  /**
   * The host folder to mount, read-only, at SOURCE_DIR: the app folder with symlinks resolved (and
   * checked to lie inside the workspace). Defaults to the app folder itself.
   */
  readonly sourceFolder?: string;
  /**
   * Entries of the folder hidden from the container (an empty read-only tmpfs over each): the
   * repository's `.git` holds credentials (remote URLs, tokens) the app has no business reading.
   */
  readonly hiddenSourceEntries?: readonly string[];
  /** A host file of variables (`--env-file`): its real path, checked to lie inside the workspace. */
  readonly envFile?: string;
  /** CPU and memory limits; a missing one is no limit. */
  readonly limits?: ResourceLimits;
  /** How the folder reaches the container; default `mirror` (Node apps). */
  readonly mount?: SourceMount;
}

/**
 * - `mirror` (Node apps): the folder read-only at SOURCE_DIR; the command copies it to /app and
 *   runs there (`--workdir /app`, see sourceMirror.ts).
 * - `readOnly` (Dockerfile apps with `mountSource`): the folder read-only at `target`, the image's
 *   WORKDIR; the image's own working directory applies.
 * - `none` (Dockerfile apps): nothing of the host is mounted; the image holds the code.
 */
export type SourceMount = { readonly kind: 'mirror' } | { readonly kind: 'readOnly'; readonly target: string } | { readonly kind: 'none' };

export interface NamedVolume {
  readonly name: string;
  /** Absolute path inside the container. */
  readonly containerPath: string;
}

export const CONTAINER_APP_DIR = APP_DIR;

/** `-p` value; IPv6 addresses need brackets. */
function publishArg(bindAddress: string, hostPort: number, containerPort: number): string {
  const host = net.isIPv6(bindAddress) ? `[${bindAddress}]` : bindAddress;
  return `${host}:${hostPort}:${containerPort}`;
}

/**
 * Only the app folder is mounted, and read-only: the container works on its own copy (see
 * sourceMirror.ts), so nothing it writes reaches the host. `-v` cannot carry a `:` in the path and
 * `--mount` cannot carry a `,`; pick the one that can, and refuse clearly when neither can.
 */
function mountArgs(folder: string, target = SOURCE_DIR): string[] {
  if (!folder.includes(':')) {
    return ['--volume', `${folder}:${target}:ro`];
  }
  if (!folder.includes(',')) {
    return ['--mount', `type=bind,source=${folder},target=${target},readonly`];
  }
  throw new RunSpecError(`The app folder path contains both ":" and ",", which container engines cannot mount: ${folder}`);
}

function hideArgs(entry: string, kind: EngineKind, under = SOURCE_DIR): string[] {
  if (!/^[A-Za-z0-9._-]+$/.test(entry) || entry === '.' || entry === '..') {
    throw new RunSpecError(`Invalid entry to hide: ${JSON.stringify(entry)}`);
  }
  // podman copies what lies under a tmpfs into it unless told not to; docker never does (and
  // would refuse the option).
  return ['--tmpfs', `${under}/${entry}:ro,size=4k,mode=0500${kind === 'podman' ? ',notmpcopyup' : ''}`];
}

/** A mount target inside the container: absolute, not `/`, no `..`, nothing `-v`/`--mount`/`--tmpfs` would split on. */
function checkMountTarget(target: string): string {
  const clean = target.replace(/\/+$/, '');
  if (clean === '' || !/^\/[A-Za-z0-9_./@+-]*$/.test(clean) || clean.split('/').includes('..')) {
    throw new RunSpecError(`Invalid folder to mount the app at: ${JSON.stringify(target)}`);
  }
  return clean;
}

/** The mount, hidden entries and working directory arguments for the spec's kind of mount. */
function sourceArgs(spec: RunSpec, source: string, kind: EngineKind): string[] {
  const mount = spec.mount ?? { kind: 'mirror' };
  const hidden = spec.hiddenSourceEntries ?? [];
  if (mount.kind !== 'mirror' && spec.dependencyVolume !== undefined) {
    throw new RunSpecError('A dependency volume belongs to the Node source mirror (/app/node_modules).');
  }
  switch (mount.kind) {
    case 'mirror':
      return [...mountArgs(source), ...hidden.flatMap((entry) => hideArgs(entry, kind)), ...(spec.dependencyVolume === undefined ? [] : volumeArgs(spec.dependencyVolume, `${CONTAINER_APP_DIR}/node_modules`))];
    case 'readOnly': {
      const target = checkMountTarget(mount.target);
      return [...mountArgs(source, target), ...hidden.flatMap((entry) => hideArgs(entry, kind, target))];
    }
    case 'none':
      return [];
  }
}

/** A named volume (never a host path: the name cannot hold a `/`) at an absolute container path. */
function volumeArgs(name: string, containerPath: string): string[] {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/.test(name)) {
    throw new RunSpecError(`Invalid volume name: ${JSON.stringify(name)}`);
  }
  const shadows = containerPath === '/' || containerPath.replace(/\/+$/, '') === CONTAINER_APP_DIR;
  if (shadows || !/^\/[A-Za-z0-9_./-]*$/.test(containerPath) || containerPath.split('/').includes('..')) {
    throw new RunSpecError(`Invalid container path for volume ${name}: ${JSON.stringify(containerPath)}`);
  }
  return ['--volume', `${name}:${containerPath}`];
}

/** The engine reads the file itself (on the client side, also for remote connections). */
function envFileArgs(file: string | undefined): string[] {
  if (file === undefined) {
    return [];
  }
  if (!file.startsWith('/') || /[\0\n\r]/.test(file)) {
    throw new RunSpecError(`Invalid env file path: ${JSON.stringify(file)}`);
  }
  return ['--env-file', file];
}

function limitArgs(limits: ResourceLimits | undefined): string[] {
  const args: string[] = [];
  if (limits?.cpus !== undefined) {
    if (!isCpuLimit(limits.cpus)) {
      throw new RunSpecError(`Invalid CPU limit: ${limits.cpus}`);
    }
    args.push('--cpus', String(limits.cpus));
  }
  if (limits?.memory !== undefined) {
    if (!isMemoryLimit(limits.memory)) {
      throw new RunSpecError(`Invalid memory limit: ${JSON.stringify(limits.memory)}`);
    }
    args.push('--memory', limits.memory);
  }
  return args;
}

/**
 * The argv of `run`. Each value is its own argv entry (no shell anywhere on the host side); values
 * that the engine would parse as options or that carry line breaks are refused.
 */
export function buildRunArgs(spec: RunSpec, kind: EngineKind = 'podman'): string[] {
  const { lease } = spec;
  const folder = lease.app.folder;
  const source = spec.sourceFolder ?? folder;
  for (const [what, value] of [
    ['folder', folder],
    ['folder', source],
    ['name', spec.name],
    ['image', spec.image],
  ] as const) {
    if (value.includes('\n') || value.includes('\0')) {
      throw new RunSpecError(`The app ${what} contains a line break or NUL character: ${JSON.stringify(value)}`);
    }
  }
  if (spec.command.some((part) => part.includes('\0'))) {
    throw new RunSpecError('The command contains a NUL character, which cannot be passed to a program.');
  }
  if (spec.image.startsWith('-')) {
    throw new RunSpecError(`Invalid image reference: ${spec.image}`);
  }
  const env: Record<string, string> = { ...spec.env, PORT: String(spec.containerPort), HOST: '0.0.0.0' };
  const args = [
    'run',
    '--detach',
    '--name',
    spec.name,
    // An init process forwards signals, so `stop` is quick even though node ignores SIGTERM as PID 1.
    '--init',
    '--pull',
    'never',
    '--security-opt',
    'no-new-privileges',
    '--label',
    `${LABEL_MANAGED}=true`,
    '--label',
    `${LABEL_APP}=${lease.app.appId}`,
    '--label',
    `${LABEL_PORT}=${lease.port}`,
    '--label',
    `${LABEL_PATH}=${folder}`,
    '--publish',
    publishArg(spec.bindAddress, lease.port, spec.containerPort),
    ...sourceArgs(spec, source, kind),
    ...(spec.volumes ?? []).flatMap((volume) => volumeArgs(volume.name, volume.containerPath)),
    // The Node mirror runs in its copy; a Dockerfile app in its image's own WORKDIR.
    ...((spec.mount ?? { kind: 'mirror' }).kind === 'mirror' ? ['--workdir', CONTAINER_APP_DIR] : []),
    ...limitArgs(spec.limits),
    // Before --env: the engines apply the file first, so the app's env entries and PORT/HOST win.
    ...envFileArgs(spec.envFile),
  ];
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || value.includes('\0')) {
      throw new RunSpecError(`Invalid environment variable ${JSON.stringify(key)}`);
    }
    args.push('--env', `${key}=${value}`);
  }
  // `--` is not accepted before the image by every engine; the image was checked not to start with `-`.
  args.push(spec.image, ...spec.command);
  return args;
}
