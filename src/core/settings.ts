import * as l10n from '@vscode/l10n';
import { parse as parseJsonc } from 'jsonc-parser';
import * as net from 'node:net';
import { SettingsError } from './errors';
import { describe, parsePortRange, type PortRange } from './portRange';
import { parseResources, type ResourceSettings } from './resources';

export type EngineChoice = 'auto' | 'podman' | 'docker';
export type PullPolicy = 'missing' | 'never' | 'always';
/** What "Run App Container" (palette, tree, explorer) opens once the app answers. */
export type OpenOnRun = 'tab' | 'integratedBrowser' | 'external' | 'none';
/** How an app runs: in the Node image (zero-config) or as the image its own Dockerfile builds. */
export type LaunchKind = 'node' | 'dockerfile';

/** One entry of `previewContainers.apps`: an explicit app or overrides for a discovered one. */
export interface AppOverride {
  /** Folder, absolute or relative to the (first) workspace folder. */
  readonly path: string;
  readonly name?: string;
  readonly image?: string;
  /** Shell-free argv, or a single string run through `sh -c` inside the container. */
  readonly command?: string | readonly string[];
  readonly containerPort?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** An env file (relative to the app folder), passed with `--env-file`; must lie inside the workspace. */
  readonly envFile?: string;
  readonly resources?: ResourceSettings;
  /** Where the entry is in `previewContainers.apps`, so errors can name it. */
  readonly index?: number;
  /** Unset: `dockerfile` when the folder has a Dockerfile/Containerfile (or `dockerfile` is set), else `node`. */
  readonly launch?: LaunchKind;
  /** Dockerfile apps: the Dockerfile, relative to the app folder (or absolute), inside the workspace. */
  readonly dockerfile?: string;
  /** Dockerfile apps: the build context folder, relative to the app folder (or absolute), inside the workspace. */
  readonly context?: string;
  /** Dockerfile apps: the build stage to build (`--target`). */
  readonly target?: string;
  /** Dockerfile apps: `--build-arg` values. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Dockerfile apps: mount the app folder, read-only, at the image's WORKDIR (dev-style images). */
  readonly mountSource?: boolean;
}

export interface Settings {
  readonly portRange: PortRange;
  readonly engine: EngineChoice;
  /** A custom path to the engine binary; empty means "find it on PATH". */
  readonly enginePath: string | undefined;
  /** A podman system connection / docker context name; empty means the engine's default. */
  readonly engineConnection: string | undefined;
  readonly bindAddress: string;
  readonly image: string;
  readonly pullPolicy: PullPolicy;
  readonly containerPort: number;
  readonly apps: readonly AppOverride[];
  readonly startupTimeoutSeconds: number;
  readonly idleTimeoutMinutes: number;
  readonly releasePortOnIdle: boolean;
  readonly reconcileIntervalSeconds: number;
  /** Days a lease with no running container may go unused before it is released (0: never). */
  readonly leaseExpiryDays: number;
  /** The named volume every app container shares for package manager caches; undefined: none. */
  readonly packageCacheVolume: string | undefined;
  /** CPU and memory limits of every app container (apps[].resources override them). */
  readonly resources: ResourceSettings;
  readonly openPreviewOnRun: OpenOnRun;
}

export const DEFAULT_LEASE_EXPIRY_DAYS = 30;

export const DEFAULT_PACKAGE_CACHE_VOLUME = 'preview-pkg-cache';

export const DEFAULT_IMAGE = 'docker.io/library/node:22-alpine';

/**
 * Settings that decide what runs on this machine (the engine binary, which engine and endpoint)
 * or what is exposed (the bind address, the port pool). A cloned repository must never choose
 * them: they are `machine`-scoped in the manifest and read from user settings only, whatever a
 * workspace or folder settings file says (see src/ui/configuration.ts, docs/SECURITY.md).
 */
export const HOST_SETTINGS: readonly string[] = ['engine', 'enginePath', 'engineConnection', 'bindAddress', 'portRange.start', 'portRange.end'];

/**
 * The host settings a settings file names (`.vscode/settings.json`, or a `.code-workspace` file's
 * `section`), as `previewContainers.<name>` keys; tolerant of comments, trailing commas, breakage.
 */
export function hostSettingsIn(text: string | undefined, section?: string): string[] {
  if (text === undefined) {
    return [];
  }
  const parsed: unknown = parseJsonc(text, [], { allowTrailingComma: true, disallowComments: false });
  const root = section !== undefined && isRecord(parsed) ? parsed[section] : parsed;
  if (!isRecord(root)) {
    return [];
  }
  return HOST_SETTINGS.map((name) => `${S}${name}`).filter((key) => Object.prototype.hasOwnProperty.call(root, key));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The layers of one setting, as `WorkspaceConfiguration.inspect` reports them. */
export interface SettingLayers {
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

/**
 * The getter `readSettings` uses: host settings from the user level only (unset there: the
 * default), the others as VS Code resolves them.
 */
export function userLevelForHostSettings(inspect: (name: string) => SettingLayers | undefined, get: SettingGetter): SettingGetter {
  return (name) => (HOST_SETTINGS.includes(name) ? inspect(name)?.globalValue : get(name));
}

/** Reads one raw setting value, `undefined` when unset. */
export type SettingGetter = (name: string) => unknown;

const S = 'previewContainers.';

function oneOf<T extends string>(get: SettingGetter, name: string, choices: readonly T[], fallback: T): T {
  const value = get(name) ?? fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new SettingsError(S + name, l10n.t('expected one of {0}, got {1}.', choices.map((c) => `"${c}"`).join(', '), describe(value)));
  }
  return value as T;
}

function integer(get: SettingGetter, name: string, fallback: number, min: number, max: number): number {
  const value = get(name) ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SettingsError(S + name, l10n.t('expected a whole number from {0} to {1}, got {2}.', min, max, describe(value)));
  }
  return value;
}

function bool(get: SettingGetter, name: string, fallback: boolean): boolean {
  const value = get(name) ?? fallback;
  if (typeof value !== 'boolean') {
    throw new SettingsError(S + name, l10n.t('expected true or false, got {0}.', describe(value)));
  }
  return value;
}

// Image references: [registry[:port]/]path[:tag][@digest]; no spaces, no leading dash (never an option).
const IMAGE_PATTERN = /^[a-z0-9][a-z0-9._\-/:@]*$/i;

export function checkImage(setting: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 255 || !IMAGE_PATTERN.test(value) || value.includes('//')) {
    throw new SettingsError(setting, l10n.t('{0} is not a valid image reference (e.g. "{1}").', describe(value), DEFAULT_IMAGE));
  }
  return value;
}

function bindAddress(get: SettingGetter): string {
  const value = get('bindAddress') ?? '127.0.0.1';
  if (typeof value !== 'string' || net.isIP(value) === 0) {
    throw new SettingsError(S + 'bindAddress', l10n.t('expected an IP address such as "127.0.0.1", got {0}.', describe(value)));
  }
  return value;
}

function packageCacheVolume(get: SettingGetter): string | undefined {
  const value = get('packageCacheVolume') ?? DEFAULT_PACKAGE_CACHE_VOLUME;
  if (typeof value !== 'string' || !/^([a-zA-Z0-9][a-zA-Z0-9_.-]{0,127})?$/.test(value.trim())) {
    throw new SettingsError(S + 'packageCacheVolume', l10n.t('expected a volume name such as "{0}" (empty: no shared cache), got {1}.', DEFAULT_PACKAGE_CACHE_VOLUME, describe(value)));
  }
  return value.trim() === '' ? undefined : value.trim();
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function appOverride(value: unknown, index: number): AppOverride {
  const setting = `${S}apps[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SettingsError(setting, l10n.t('expected an object like { "path": "apps/web" }, got {0}.', describe(value)));
  }
  const entry = value as Record<string, unknown>;
  if (typeof entry.path !== 'string' || entry.path.trim() === '' || entry.path.includes('\0')) {
    throw new SettingsError(`${setting}.path`, l10n.t('expected a folder path, got {0}.', describe(entry.path)));
  }
  const result: { -readonly [K in keyof AppOverride]: AppOverride[K] } = { path: entry.path, index };
  if (entry.name !== undefined) {
    if (typeof entry.name !== 'string') {
      throw new SettingsError(`${setting}.name`, l10n.t('expected a string, got {0}.', describe(entry.name)));
    }
    result.name = entry.name;
  }
  if (entry.image !== undefined) {
    result.image = checkImage(`${setting}.image`, entry.image);
  }
  if (entry.command !== undefined) {
    const command = entry.command;
    const ok =
      (typeof command === 'string' && command.trim() !== '') ||
      (Array.isArray(command) && command.length > 0 && command.every((part) => typeof part === 'string'));
    if (!ok) {
      throw new SettingsError(`${setting}.command`, l10n.t('expected a command string or a list of arguments, got {0}.', describe(command)));
    }
    const parts: unknown[] = typeof command === 'string' ? [command] : command;
    if (parts.some((part) => typeof part === 'string' && part.includes('\0'))) {
      throw new SettingsError(`${setting}.command`, l10n.t('it contains a NUL character, which cannot be passed to a program.'));
    }
    result.command = command;
  }
  if (entry.containerPort !== undefined) {
    const port = entry.containerPort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new SettingsError(`${setting}.containerPort`, l10n.t('expected a port from 1 to 65535, got {0}.', describe(port)));
    }
    result.containerPort = port;
  }
  if (entry.env !== undefined) {
    const env = entry.env;
    if (typeof env !== 'object' || env === null || Array.isArray(env)) {
      throw new SettingsError(`${setting}.env`, l10n.t('expected an object of NAME: "value" pairs, got {0}.', describe(env)));
    }
    for (const [name, val] of Object.entries(env)) {
      if (!ENV_NAME.test(name) || typeof val !== 'string' || val.includes('\0')) {
        throw new SettingsError(`${setting}.env`, l10n.t('"{0}" must be a variable name with a string value.', name));
      }
    }
    result.env = env as Record<string, string>;
  }
  if (entry.envFile !== undefined) {
    const file = entry.envFile;
    if (typeof file !== 'string' || file.trim() === '' || /[\0\n\r]/.test(file)) {
      throw new SettingsError(`${setting}.envFile`, `expected the path of an env file (relative to the app folder), got ${describe(file)}.`);
    }
    result.envFile = file;
  }
  if (entry.resources !== undefined) {
    result.resources = parseResources(entry.resources, `${setting}.resources`);
  }
  Object.assign(result, dockerfileFields(entry, setting));
  return result;
}

// Stage names as Dockerfile `FROM … AS <name>` accepts them; never an option.
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The entry's Dockerfile-app fields (issue 15); paths are checked against the workspace by discovery. */
function dockerfileFields(entry: Record<string, unknown>, setting: string): Pick<AppOverride, 'launch' | 'dockerfile' | 'context' | 'target' | 'buildArgs' | 'mountSource'> {
  const result: { -readonly [K in 'launch' | 'dockerfile' | 'context' | 'target' | 'buildArgs' | 'mountSource']?: AppOverride[K] } = {};
  if (entry.launch !== undefined) {
    if (entry.launch !== 'node' && entry.launch !== 'dockerfile') {
      throw new SettingsError(`${setting}.launch`, `expected "node" or "dockerfile", got ${describe(entry.launch)}.`);
    }
    result.launch = entry.launch;
  }
  for (const key of ['dockerfile', 'context'] as const) {
    const value = entry[key];
    if (value === undefined) {
      continue;
    }
    // A line break would end the value inside the image label that records the Dockerfile path.
    if (typeof value !== 'string' || value.trim() === '' || /[\0\n\r]/.test(value)) {
      throw new SettingsError(`${setting}.${key}`, `expected a ${key === 'context' ? 'folder' : 'file'} path, got ${describe(value)}.`);
    }
    result[key] = value;
  }
  if (entry.target !== undefined) {
    if (typeof entry.target !== 'string' || !STAGE_NAME.test(entry.target)) {
      throw new SettingsError(`${setting}.target`, `expected the name of a build stage (FROM … AS <name>), got ${describe(entry.target)}.`);
    }
    result.target = entry.target;
  }
  if (entry.buildArgs !== undefined) {
    const args = entry.buildArgs;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      throw new SettingsError(`${setting}.buildArgs`, `expected an object of NAME: "value" pairs, got ${describe(args)}.`);
    }
    for (const [name, val] of Object.entries(args)) {
      if (!ENV_NAME.test(name) || typeof val !== 'string' || val.includes('\0')) {
        throw new SettingsError(`${setting}.buildArgs`, `"${name}" must be a build argument name with a string value.`);
      }
    }
    result.buildArgs = args as Record<string, string>;
  }
  if (entry.mountSource !== undefined) {
    if (typeof entry.mountSource !== 'boolean') {
      throw new SettingsError(`${setting}.mountSource`, `expected true or false, got ${describe(entry.mountSource)}.`);
    }
    result.mountSource = entry.mountSource;
  }
  return result;
}

/** Validates every setting; the first invalid one throws a SettingsError that names it. */
export function readSettings(get: SettingGetter): Settings {
  const portRange = parsePortRange(get('portRange.start'), get('portRange.end'));
  const engine = oneOf<EngineChoice>(get, 'engine', ['auto', 'podman', 'docker'], 'auto');
  const rawPath = get('enginePath') ?? '';
  if (typeof rawPath !== 'string' || rawPath.includes('\0')) {
    throw new SettingsError(S + 'enginePath', l10n.t('expected a path to the podman or docker binary, got {0}.', describe(rawPath)));
  }
  const rawConnection = get('engineConnection') ?? '';
  if (typeof rawConnection !== 'string' || !/^([A-Za-z0-9][A-Za-z0-9_.@:-]*)?$/.test(rawConnection.trim())) {
    throw new SettingsError(S + 'engineConnection', l10n.t('expected the name of a podman connection or docker context, got {0}.', describe(rawConnection)));
  }
  const rawApps = get('apps') ?? [];
  if (!Array.isArray(rawApps)) {
    throw new SettingsError(S + 'apps', l10n.t('expected a list of app entries, got {0}.', describe(rawApps)));
  }
  return {
    portRange,
    engine,
    enginePath: rawPath.trim() === '' ? undefined : rawPath.trim(),
    engineConnection: rawConnection.trim() === '' ? undefined : rawConnection.trim(),
    bindAddress: bindAddress(get),
    image: checkImage(S + 'image', get('image') ?? DEFAULT_IMAGE),
    pullPolicy: oneOf<PullPolicy>(get, 'pullPolicy', ['missing', 'never', 'always'], 'missing'),
    containerPort: integer(get, 'containerPort', 3000, 1, 65535),
    apps: rawApps.map(appOverride),
    startupTimeoutSeconds: integer(get, 'startupTimeoutSeconds', 120, 1, 3600),
    idleTimeoutMinutes: integer(get, 'idleTimeoutMinutes', 15, 0, 7 * 24 * 60),
    releasePortOnIdle: bool(get, 'releasePortOnIdle', true),
    reconcileIntervalSeconds: integer(get, 'reconcileIntervalSeconds', 60, 5, 3600),
    leaseExpiryDays: integer(get, 'leaseExpiryDays', DEFAULT_LEASE_EXPIRY_DAYS, 0, 3650),
    packageCacheVolume: packageCacheVolume(get),
    resources: parseResources(get('resources'), S + 'resources'),
    openPreviewOnRun: oneOf<OpenOnRun>(get, 'openPreviewOnRun', ['tab', 'integratedBrowser', 'external', 'none'], 'tab'),
  };
}
