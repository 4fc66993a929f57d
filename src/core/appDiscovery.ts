import * as l10n from '@vscode/l10n';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeAppRef, slugify, type AppRef } from './appIdentity';
import type { AppDefinition } from './appFolder';
import { DOCKERFILE_NAMES, NODE_LAUNCH, type AppLaunch } from './appLaunch';
import { parsePackageJson } from './appFolder';
import { isInside, realpathOrUndefined } from './containment';
import { SettingsError } from './errors';
import type { AppOverride } from './settings';

/** The file-system questions discovery asks; injected so tests need no disk. */
export interface DiscoveryFs {
  /** Sub-folder names of a folder (empty when unreadable). */
  subfolders(folder: string): Promise<string[]>;
  /** Text of a file, or undefined when missing/unreadable. */
  readText(file: string): Promise<string | undefined>;
  exists(file: string): Promise<boolean>;
  /** The real path (symlinks resolved), undefined when missing; absent: paths are taken as they are. */
  realpath?(file: string): Promise<string | undefined>;
}

export const nodeDiscoveryFs: DiscoveryFs = {
  async subfolders(folder) {
    try {
      return (await fs.readdir(folder, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  },
  async readText(file) {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  async exists(file) {
    try {
      await fs.access(file);
      return true;
    } catch {
      return false;
    }
  },
  realpath: realpathOrUndefined,
};

export interface WorkspaceFolderLike {
  readonly name: string;
  readonly path: string;
}

const SETTING = 'previewContainers.';

/** Folders never searched: dependencies, build output, VCS and tool folders. */
const SKIPPED = new Set(['node_modules', 'dist', 'build', 'out', 'coverage', 'target', 'vendor', 'bower_components']);
/** Monorepo layouts searched one level deeper. */
const CONTAINER_FOLDERS = ['apps', 'packages', 'services', 'examples', 'sites'];
/** Marks a root package.json as a monorepo root (not an app of its own). */
const MONOREPO_MARKERS = ['pnpm-workspace.yaml', 'lerna.json', 'turbo.json', 'nx.json', 'rush.json'];

function searchable(name: string): boolean {
  return !name.startsWith('.') && !SKIPPED.has(name);
}

/**
 * Scripts that start something to look at (a dev server, a server, Storybook, Gatsby's `develop`).
 * Inside a monorepo, a package with none of them (and no Dockerfile) is a library of the apps
 * (`packages/ui`, `packages/eslint-config`), not an app.
 */
const RUNNABLE_SCRIPTS = ['dev', 'start', 'serve', 'develop', 'preview', 'storybook'];

interface FolderApp {
  readonly name: string | undefined;
  readonly monorepoRoot: boolean;
  /** A package.json without a runnable script, and no Dockerfile. */
  readonly library: boolean;
  /** The folder's own Containerfile/Dockerfile (absolute), if it has one. */
  readonly dockerfile: string | undefined;
}

async function ownDockerfile(folder: string, io: DiscoveryFs): Promise<string | undefined> {
  for (const name of DOCKERFILE_NAMES) {
    const file = path.join(folder, name);
    if (await io.exists(file)) {
      return file;
    }
  }
  return undefined;
}

/** A folder is an app when it has a package.json or a Dockerfile/Containerfile. */
async function isApp(folder: string, io: DiscoveryFs): Promise<FolderApp | undefined> {
  const [text, dockerfile] = await Promise.all([io.readText(path.join(folder, 'package.json')), ownDockerfile(folder, io)]);
  if (text === undefined) {
    return dockerfile === undefined ? undefined : { name: undefined, monorepoRoot: false, library: false, dockerfile };
  }
  const pkg = parsePackageJson(text);
  let workspaces = false;
  try {
    workspaces = typeof (JSON.parse(text) as { workspaces?: unknown }).workspaces === 'object';
  } catch {
    // An unparsable package.json is still an app folder; the user will see its start fail clearly.
  }
  let marker = false;
  for (const file of MONOREPO_MARKERS) {
    marker ||= await io.exists(path.join(folder, file));
  }
  const library = dockerfile === undefined && pkg !== undefined && !RUNNABLE_SCRIPTS.some((name) => pkg.scripts[name] !== undefined);
  return { name: pkg?.name, monorepoRoot: workspaces || marker, library, dockerfile };
}

/** A discovered folder with a Dockerfile runs it, with the defaults (context: the folder itself). */
function folderLaunch(folder: string, dockerfile: string | undefined): AppLaunch {
  return dockerfile === undefined ? NODE_LAUNCH : { kind: 'dockerfile', dockerfile, context: folder, target: undefined, buildArgs: {}, mountSource: false };
}

type Located = { readonly root: WorkspaceFolderLike } | { readonly where: string };

/**
 * The workspace folder `target` lies in, both as written and with symlinks resolved — or why not:
 * a path a workspace setting names must not lead out of the workspace (`"/"`, `"../.."`, a link).
 */
async function locate(target: string, roots: readonly WorkspaceFolderLike[], real: (file: string) => Promise<string | undefined>): Promise<Located> {
  const realTarget = await real(target);
  const root = await rootContaining(target, realTarget, roots, real);
  if (root) {
    return { root };
  }
  return { where: realTarget === undefined ? 'does not exist' : realTarget === target ? 'lies outside the workspace folders' : `resolves to ${realTarget}, outside the workspace folders` };
}

/**
 * How an `apps[]` entry runs: `launch: "node"` always wins; otherwise a Dockerfile (the entry's
 * `dockerfile`, else the folder's own) makes it a Dockerfile app. Its paths are relative to the
 * app folder and must lie inside the workspace, like `path`; a problem names the field.
 */
async function overrideLaunch(
  override: AppOverride,
  index: number,
  folder: string,
  roots: readonly WorkspaceFolderLike[],
  io: DiscoveryFs,
  real: (file: string) => Promise<string | undefined>,
): Promise<AppLaunch | SettingsError> {
  if (override.launch === 'node') {
    return NODE_LAUNCH;
  }
  const entry = `${SETTING}apps[${index}]`;
  const own = override.dockerfile === undefined ? await ownDockerfile(folder, io) : undefined;
  if (override.launch === undefined && override.dockerfile === undefined && own === undefined) {
    return NODE_LAUNCH;
  }
  let dockerfile = own;
  if (override.dockerfile !== undefined) {
    dockerfile = path.resolve(folder, override.dockerfile);
    const located = await locate(dockerfile, roots, real);
    const where = 'where' in located ? located.where : (await io.exists(dockerfile)) ? undefined : 'does not exist';
    if (where !== undefined) {
      return new SettingsError(`${entry}.dockerfile`, `${JSON.stringify(override.dockerfile)} ${where}. A Dockerfile must be inside the workspace; the entry is ignored.`);
    }
  }
  if (dockerfile === undefined) {
    return new SettingsError(`${entry}.launch`, `it is "dockerfile", but ${folder} has no ${DOCKERFILE_NAMES.join(' or ')}: set ${entry}.dockerfile. The entry is ignored.`);
  }
  let context = folder;
  if (override.context !== undefined) {
    context = path.resolve(folder, override.context);
    const located = await locate(context, roots, real);
    if ('where' in located) {
      // The whole context is sent to the engine and can be copied into the image: never the host's files.
      return new SettingsError(`${entry}.context`, `${JSON.stringify(override.context)} ${located.where}. A build context must be inside the workspace; the entry is ignored.`);
    }
  }
  return {
    kind: 'dockerfile',
    dockerfile,
    context,
    target: override.target,
    buildArgs: override.buildArgs ?? {},
    mountSource: override.mountSource ?? false,
    roots: roots.map((r) => r.path),
  };
}

/**
 * Apps are folders with a package.json or a Dockerfile/Containerfile: each workspace folder itself
 * (unless it is only a monorepo root), its direct sub-folders, and one more level under common
 * layouts (`apps/*`, `packages/*`, …) — never inside node_modules or hidden folders — plus every
 * explicit `previewContainers.apps` entry (relative to the first workspace folder) whose folder
 * (and Dockerfile and build context) really lie inside a workspace folder. A folder with a
 * Dockerfile runs it, even when it also has a package.json, unless its entry says `launch: "node"`.
 */
export async function discoverApps(
  roots: readonly WorkspaceFolderLike[],
  overrides: readonly AppOverride[],
  io: DiscoveryFs = nodeDiscoveryFs,
  /** An entry that cannot be used (e.g. a path outside the workspace); the entry is skipped. */
  onProblem?: (problem: SettingsError) => void,
): Promise<AppDefinition[]> {
  const found = new Map<string, { ref: AppRef; root: WorkspaceFolderLike; launch: AppLaunch }>();
  const add = (folder: string, root: WorkspaceFolderLike, app: FolderApp): void => {
    const ref = makeAppRef(folder, root.path, app.name);
    if (!found.has(ref.key)) {
      found.set(ref.key, { ref, root, launch: folderLaunch(folder, app.dockerfile) });
    }
  };
  for (const root of roots) {
    for (const { folder, app } of await appsIn(root, io)) {
      add(folder, root, app);
    }
  }
  const overridesByKey = new Map<string, AppOverride>();
  const first = roots[0];
  const real = (file: string): Promise<string | undefined> => (io.realpath ? io.realpath(file) : Promise.resolve(path.resolve(file)));
  for (const [index, override] of overrides.entries()) {
    if (!first) {
      continue;
    }
    const folder = path.resolve(first.path, override.path);
    // A workspace setting names this folder, so it must really lie inside the workspace: `"/"` or
    // `"../.."` (or a symlink out) would mount the host's files into the container.
    const located = await locate(folder, roots, real);
    if ('where' in located) {
      onProblem?.(new SettingsError(`${SETTING}apps[${index}].path`, l10n.t('{0} {1}. An app folder must be inside the workspace; the entry is ignored.', JSON.stringify(override.path), located.where)));
      continue;
    }
    const launch = await overrideLaunch(override, index, folder, roots, io, real);
    if (launch instanceof SettingsError) {
      onProblem?.(launch);
      continue;
    }
    const pkgName = (await isApp(folder, io))?.name;
    const ref = makeAppRef(folder, located.root.path, override.name ?? pkgName);
    found.set(ref.key, { ref, root: located.root, launch });
    overridesByKey.set(ref.key, override);
  }
  return disambiguate([...found.values()], roots.length > 1).map(({ ref, launch }) => {
    const override = overridesByKey.get(ref.key);
    return override ? { ref, override, launch } : { ref, launch };
  });
}

/** The app folders of one workspace folder: itself (unless only a monorepo root), children, apps/* and the like. */
async function appsIn(root: WorkspaceFolderLike, io: DiscoveryFs): Promise<{ folder: string; app: FolderApp }[]> {
  const rootApp = await isApp(root.path, io);
  const inMonorepo = rootApp?.monorepoRoot ?? false;
  const children: { folder: string; app: FolderApp }[] = [];
  for (const child of (await io.subfolders(root.path)).filter(searchable).sort()) {
    const folder = path.join(root.path, child);
    const childApp = await isApp(folder, io);
    if (childApp && !childApp.monorepoRoot && !(inMonorepo && childApp.library)) {
      children.push({ folder, app: childApp });
    }
    if (CONTAINER_FOLDERS.includes(child) || childApp?.monorepoRoot) {
      const monorepo = inMonorepo || (childApp?.monorepoRoot ?? false);
      for (const grandchild of (await io.subfolders(folder)).filter(searchable).sort()) {
        const nested = path.join(folder, grandchild);
        const nestedApp = await isApp(nested, io);
        if (nestedApp && !(monorepo && nestedApp.library)) {
          children.push({ folder: nested, app: nestedApp });
        }
      }
    }
  }
  const includeRoot = rootApp && !(rootApp.monorepoRoot && children.length > 0);
  return includeRoot ? [{ folder: root.path, app: rootApp }, ...children] : children;
}

/** The workspace folder that really contains `folder` (symlinks resolved on both sides), if any. */
async function rootContaining(
  folder: string,
  realFolder: string | undefined,
  roots: readonly WorkspaceFolderLike[],
  real: (file: string) => Promise<string | undefined>,
): Promise<WorkspaceFolderLike | undefined> {
  for (const candidate of roots) {
    const realRoot = (await real(candidate.path)) ?? candidate.path;
    if (realFolder !== undefined && isInside(realFolder, realRoot) && isInside(folder, candidate.path)) {
      return candidate;
    }
  }
  return undefined;
}

/** In multi-root workspaces two roots may hold the same relative path: prefix the root's name. */
function disambiguate(apps: { ref: AppRef; root: WorkspaceFolderLike; launch: AppLaunch }[], multiRoot: boolean): { ref: AppRef; launch: AppLaunch }[] {
  const counts = new Map<string, number>();
  for (const { ref } of apps) {
    counts.set(ref.appId, (counts.get(ref.appId) ?? 0) + 1);
  }
  return apps
    .map(({ ref, root, launch }) => {
      if (!multiRoot || (counts.get(ref.appId) ?? 0) < 2) {
        return { ref, launch };
      }
      return { ref: { ...ref, appId: slugify(`${root.name}-${ref.appId}`) }, launch };
    })
    .sort((a, b) => a.ref.appId.localeCompare(b.ref.appId));
}
