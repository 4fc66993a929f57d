import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AppRef } from './appIdentity';
import type { AppOverride, Settings } from './settings';

/** What we read from an app's package.json. */
export interface PackageInfo {
  readonly name: string | undefined;
  readonly scripts: Readonly<Record<string, string>>;
  readonly main: string | undefined;
  readonly hasDependencies: boolean;
  readonly dependencies: Readonly<Record<string, string>>;
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
    pkg = parsePackageJson(await fs.readFile(path.join(folder, 'package.json'), 'utf8').catch(() => ''));
  }
  return { pkg, hasNodeModules: files.has('node_modules'), files };
}

/**
 * The command when none is configured: `npm install` if the app declares dependencies and has no
 * node_modules, then `npm run dev` if it exists, else `npm start`, else `node` on main/index.js.
 * The shell only ever sees constant text; the command to run is passed as positional arguments.
 */
export function defaultCommand(info: FolderInfo): string[] {
  const pkg = info.pkg;
  let run: string[];
  if (pkg?.scripts.dev !== undefined) {
    run = ['npm', 'run', 'dev'];
  } else if (pkg?.scripts.start !== undefined) {
    run = ['npm', 'start'];
  } else {
    run = ['node', pkg?.main ?? 'index.js'];
  }
  if (pkg?.hasDependencies && !info.hasNodeModules) {
    return ['sh', '-c', 'npm install --no-audit --no-fund && exec "$@"', 'sh', ...run];
  }
  return run;
}

/** The settings that apply to one app: its override entry, then the global settings. */
export interface ResolvedAppConfig {
  readonly image: string;
  readonly containerPort: number;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export function resolveAppConfig(settings: Settings, override: AppOverride | undefined, info: FolderInfo): ResolvedAppConfig {
  let command: readonly string[];
  if (override?.command === undefined) {
    command = defaultCommand(info);
  } else if (typeof override.command === 'string') {
    command = ['sh', '-c', override.command];
  } else {
    command = override.command;
  }
  return {
    image: override?.image ?? settings.image,
    containerPort: override?.containerPort ?? settings.containerPort,
    command,
    env: override?.env ?? {},
  };
}

/** An app as the controller runs it: identity plus its override entry, if any. */
export interface AppDefinition {
  readonly ref: AppRef;
  readonly override?: AppOverride;
}
