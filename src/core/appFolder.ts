import { promises as fs } from 'node:fs';
import type { AppRef } from './appIdentity';
import { readFileInside } from './containment';
import { planLaunch } from './launchPlan';
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
  let entries: string[] = [];
  try {
    entries = await fs.readdir(folder);
  } catch {
    // A vanished folder: no package, nothing installed.
  }
  const files = new Set(entries);
  let pkg: PackageInfo | undefined;
  if (files.has('package.json')) {
    pkg = parsePackageJson((await readFileInside(folder, 'package.json')) ?? '');
  }
  return { pkg, hasNodeModules: files.has('node_modules'), files };
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
  /** How the command was chosen, for the log. */
  readonly origin: string;
}

export function resolveAppConfig(settings: Settings, override: AppOverride | undefined, info: FolderInfo): ResolvedAppConfig {
  const image = override?.image ?? settings.image;
  if (override?.command !== undefined) {
    return {
      image,
      containerPort: override.containerPort ?? settings.containerPort,
      command: mirrored(typeof override.command === 'string' ? ['sh', '-c', override.command] : override.command),
      env: override.env ?? {},
      cacheDependencies: false,
      origin: 'previewContainers.apps command',
    };
  }
  const plan = planLaunch(info, { fallbackPort: settings.containerPort, image, portOverride: override?.containerPort });
  return {
    image,
    containerPort: plan.containerPort,
    command: mirrored(plan.command),
    env: { ...plan.env, ...override?.env },
    cacheDependencies: plan.installDependencies,
    origin: `${plan.stack} (${plan.packageManager})${plan.notes.length > 0 ? `; ${plan.notes.join(' ')}` : ''}`,
  };
}

/** An app as the controller runs it: identity plus its override entry, if any. */
export interface AppDefinition {
  readonly ref: AppRef;
  readonly override?: AppOverride;
}
