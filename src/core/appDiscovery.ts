import * as l10n from '@vscode/l10n';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeAppRef, slugify, type AppRef } from './appIdentity';
import type { AppDefinition } from './appFolder';
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

async function isApp(folder: string, io: DiscoveryFs): Promise<{ name: string | undefined; monorepoRoot: boolean } | undefined> {
  const text = await io.readText(path.join(folder, 'package.json'));
  if (text === undefined) {
    return undefined;
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
  return { name: pkg?.name, monorepoRoot: workspaces || marker };
}

/**
 * Apps are folders with a package.json: each workspace folder itself (unless it is only a monorepo
 * root), its direct sub-folders, and one more level under common layouts (`apps/*`,
 * `packages/*`, …) — never inside node_modules or hidden folders — plus every explicit
 * `previewContainers.apps` entry (relative to the first workspace folder) whose folder really lies
 * inside a workspace folder.
 */
export async function discoverApps(
  roots: readonly WorkspaceFolderLike[],
  overrides: readonly AppOverride[],
  io: DiscoveryFs = nodeDiscoveryFs,
  /** An entry that cannot be used (e.g. a path outside the workspace); the entry is skipped. */
  onProblem?: (problem: SettingsError) => void,
): Promise<AppDefinition[]> {
  const found = new Map<string, { ref: AppRef; root: WorkspaceFolderLike }>();
  const add = (folder: string, root: WorkspaceFolderLike, name: string | undefined): void => {
    const ref = makeAppRef(folder, root.path, name);
    if (!found.has(ref.key)) {
      found.set(ref.key, { ref, root });
    }
  };
  for (const root of roots) {
    for (const app of await appsIn(root, io)) {
      add(app.folder, root, app.name);
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
    const realFolder = await real(folder);
    const root = await rootContaining(folder, realFolder, roots, real);
    if (!root) {
      const where =
        realFolder === undefined ? l10n.t('does not exist') : realFolder === folder ? l10n.t('lies outside the workspace folders') : l10n.t('resolves to {0}, outside the workspace folders', realFolder);
      onProblem?.(new SettingsError(`${SETTING}apps[${index}].path`, l10n.t('{0} {1}. An app folder must be inside the workspace; the entry is ignored.', JSON.stringify(override.path), where)));
      continue;
    }
    const pkgName = (await isApp(folder, io))?.name;
    const ref = makeAppRef(folder, root.path, override.name ?? pkgName);
    found.set(ref.key, { ref, root });
    overridesByKey.set(ref.key, override);
  }
  return disambiguate([...found.values()], roots.length > 1).map(({ ref }) => {
    const override = overridesByKey.get(ref.key);
    return override ? { ref, override } : { ref };
  });
}

/** The app folders of one workspace folder: itself (unless only a monorepo root), children, apps/* and the like. */
async function appsIn(root: WorkspaceFolderLike, io: DiscoveryFs): Promise<{ folder: string; name: string | undefined }[]> {
  const rootApp = await isApp(root.path, io);
  const children: { folder: string; name: string | undefined }[] = [];
  for (const child of (await io.subfolders(root.path)).filter(searchable).sort()) {
    const folder = path.join(root.path, child);
    const childApp = await isApp(folder, io);
    if (childApp && !childApp.monorepoRoot) {
      children.push({ folder, name: childApp.name });
    }
    if (CONTAINER_FOLDERS.includes(child) || childApp?.monorepoRoot) {
      for (const grandchild of (await io.subfolders(folder)).filter(searchable).sort()) {
        const nested = path.join(folder, grandchild);
        const nestedApp = await isApp(nested, io);
        if (nestedApp) {
          children.push({ folder: nested, name: nestedApp.name });
        }
      }
    }
  }
  const includeRoot = rootApp && !(rootApp.monorepoRoot && children.length > 0);
  return includeRoot ? [{ folder: root.path, name: rootApp.name }, ...children] : children;
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
function disambiguate(apps: { ref: AppRef; root: WorkspaceFolderLike }[], multiRoot: boolean): { ref: AppRef }[] {
  const counts = new Map<string, number>();
  for (const { ref } of apps) {
    counts.set(ref.appId, (counts.get(ref.appId) ?? 0) + 1);
  }
  return apps
    .map(({ ref, root }) => {
      if (!multiRoot || (counts.get(ref.appId) ?? 0) < 2) {
        return { ref };
      }
      return { ref: { ...ref, appId: slugify(`${root.name}-${ref.appId}`) } };
    })
    .sort((a, b) => a.ref.appId.localeCompare(b.ref.appId));
}
