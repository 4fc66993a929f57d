import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import type { AppRef } from './appIdentity';
import type { AppLaunch } from './appLaunch';
import type { BuildCacheDir } from './buildCache';
import { readFileInside, realpathInside } from './containment';
import type { NamedVolume } from './engine/runArgs';
import { planLaunch, type LaunchOptions } from './launchPlan';
import { PACKAGE_CACHE_DIR, VERSION_EVIDENCE_FILES } from './packageManager';
import { proxiedHostsOf } from './proxiedHosts';
import type { AppOverride, Settings } from './settings';
import { mirrored } from './sourceMirror';

/** What we read from an app's package.json. */
export interface PackageInfo {
  readonly name: string | undefined;
  readonly scripts: Readonly<Record<string, string>>;
  readonly main: string | undefined;
  readonly hasDependencies: boolean;
  readonly dependencies: Readonly<Record<string, string>>;
  /** The `packageManager` field (corepack), e.g. `pnpm@9.1.0`. */
  readonly packageManager: string | undefined;
}

export interface FolderInfo {
  readonly pkg: PackageInfo | undefined;
  readonly hasNodeModules: boolean;
  /** File names present at the top of the folder (lockfiles, framework configs). */
  readonly files: ReadonlySet<string>;
  /** The first bytes of the lockfiles whose header tells the package manager's version. */
  readonly heads?: Readonly<Record<string, string>>;
  /** Names of the real (not symlinked) folders at the top (e.g. `.git`, hidden from the container). */
  readonly folders?: ReadonlySet<string>;
}

const HEAD_BYTES = 512;

/** The first bytes of a file of the folder, only when it really is inside it (not a symlink out). */
async function readHead(folder: string, name: string): Promise<string | undefined> {
  const file = await realpathInside(path.join(folder, name), [folder]);
  const handle = file === undefined ? undefined : await fs.open(file, 'r').catch(() => undefined);
  if (!handle) {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {};
  }
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Tolerant: a broken package.json gives `undefined`, never an exception. */
export function parsePackageJson(text: string): PackageInfo | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return undefined;
  }
  const pkg = json as Record<string, unknown>;
  const dependencies = { ...stringRecord(pkg.devDependencies), ...stringRecord(pkg.dependencies) };
  return {
    name: typeof pkg.name === 'string' && pkg.name.trim() !== '' ? pkg.name.trim() : undefined,
    scripts: stringRecord(pkg.scripts),
    main: typeof pkg.main === 'string' && pkg.main.trim() !== '' ? pkg.main.trim() : undefined,
    hasDependencies: Object.keys(dependencies).length > 0,
    dependencies,
    packageManager: typeof pkg.packageManager === 'string' ? pkg.packageManager : undefined,
  };
}

export async function inspectFolder(folder: string): Promise<FolderInfo> {
  let dirents: Dirent[] = [];
  try {
    dirents = await fs.readdir(folder, { withFileTypes: true });
  } catch {
    // A vanished folder: no package, nothing installed.
  }
  const files = new Set(dirents.map((d) => d.name));
  const folders = new Set(dirents.filter((d) => d.isDirectory()).map((d) => d.name));
  let pkg: PackageInfo | undefined;
  if (files.has('package.json')) {
    pkg = parsePackageJson((await readFileInside(folder, 'package.json')) ?? '');
  }
  const heads: Record<string, string> = {};
  for (const name of VERSION_EVIDENCE_FILES.filter((file) => files.has(file))) {
    const head = await readHead(folder, name);
    if (head !== undefined) {
      heads[name] = head;
    }
  }
  return { pkg, hasNodeModules: files.has('node_modules'), files, heads, folders };
}

/** The settings that apply to one app: its override entry, then inference, then the global settings. */
export interface ResolvedAppConfig {
  readonly image: string;
  readonly containerPort: number;
  /** The container's command: the app's own, run inside the mirrored copy of its folder. */
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Keep node_modules in a per-app volume (zero-config apps with dependencies). */
  readonly cacheDependencies: boolean;
  /** Build cache folders of the stack, kept in per-app volumes (zero-config apps only). */
  readonly buildCacheDirs: readonly BuildCacheDir[];
  /** Named volumes shared by apps (the package managers' cache), with where they are mounted. */
  readonly volumes: readonly NamedVolume[];
  /** How the command was chosen, for the log. */
  readonly origin: string;
}

/** The named volumes every app container mounts: the package managers' shared cache, if enabled. */
export function sharedVolumesOf(settings: Pick<Settings, 'packageCacheVolume'>): NamedVolume[] {
  return settings.packageCacheVolume === undefined ? [] : [{ name: settings.packageCacheVolume, containerPath: PACKAGE_CACHE_DIR }];
}

/**
 * `hostEnv` is the extension host's environment, which tells the proxied host names the editor
 * shows previews under (see proxiedHosts.ts).
 */
export function resolveAppConfig(
  settings: Settings,
  override: AppOverride | undefined,
  info: FolderInfo,
  hostEnv: Readonly<Record<string, string | undefined>> = process.env,
  workspace?: LaunchOptions['workspace'],
): ResolvedAppConfig {
  const image = override?.image ?? settings.image;
  const volumes = sharedVolumesOf(settings);
  if (override?.command !== undefined) {
    return {
      image,
      containerPort: override.containerPort ?? settings.containerPort,
      command: mirrored(typeof override.command === 'string' ? ['sh', '-c', override.command] : override.command),
      env: override.env ?? {},
      cacheDependencies: false,
      buildCacheDirs: [],
      // An explicit command may install packages too; the shared cache is there for it to use.
      volumes,
      origin: 'previewContainers.apps command',
    };
  }
  const plan = planLaunch(info, { fallbackPort: settings.containerPort, image, portOverride: override?.containerPort, allowedHosts: proxiedHostsOf(hostEnv), ...(workspace ? { workspace } : {}) });
  return {
    image,
    containerPort: plan.containerPort,
    command: mirrored(plan.command),
    env: { ...plan.env, ...override?.env },
    cacheDependencies: plan.installDependencies,
    buildCacheDirs: plan.buildCacheDirs,
    volumes,
    origin: `${plan.stack} (${plan.packageManager})${plan.notes.length > 0 ? `; ${plan.notes.join(' ')}` : ''}`,
  };
}

/** An app as the controller runs it: identity plus its override entry, if any. */
export interface AppDefinition {
  readonly ref: AppRef;
  readonly override?: AppOverride;
  /** How it runs; discovery always says. Absent (a definition made by hand): node (see `launchOf`). */
  readonly launch?: AppLaunch;
}
