import * as l10n from '@vscode/l10n';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AppFolderError } from './errors';

/**
 * Paths that workspace files can name (apps[].path, later env files and Dockerfiles) must stay
 * inside the workspace — after symlinks are resolved, since a symlink is the easy way out.
 */

/** `child` is `parent` or lies below it (both absolute, normalized). */
export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  // `..x` is a name inside; only `..` itself or `../…` leaves.
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** The real path, or undefined when it does not exist (or cannot be resolved). */
export async function realpathOrUndefined(target: string): Promise<string | undefined> {
  try {
    return await fs.realpath(target);
  } catch {
    return undefined;
  }
}

/**
 * The real path of `target` when it lies inside one of `roots` (also resolved), else undefined.
 * A root that does not exist contains nothing.
 */
export async function realpathInside(target: string, roots: readonly string[]): Promise<string | undefined> {
  const real = await realpathOrUndefined(target);
  if (real === undefined) {
    return undefined;
  }
  for (const root of roots) {
    const realRoot = await realpathOrUndefined(root);
    if (realRoot !== undefined && isInside(real, realRoot)) {
      return real;
    }
  }
  return undefined;
}

/**
 * The folder to mount for an app: its real path, checked (now, at start time: a symlink swapped in
 * since discovery counts) to be a folder inside the workspace folder it was found in.
 */
export async function containedAppFolder(app: { readonly appId: string; readonly folder: string; readonly root: string }): Promise<string> {
  const real = await realpathOrUndefined(app.folder);
  if (real === undefined) {
    throw new AppFolderError(app.appId, l10n.t('its folder {0} does not exist (any more).', app.folder));
  }
  const realRoot = (await realpathOrUndefined(app.root)) ?? app.root;
  if (!isInside(real, realRoot)) {
    throw new AppFolderError(app.appId, l10n.t('its folder {0} resolves to {1}, outside the workspace folder {2}. Only folders inside the workspace are mounted.', app.folder, real, app.root));
  }
  const stat = await fs.stat(real);
  if (!stat.isDirectory()) {
    throw new AppFolderError(app.appId, l10n.t('{0} is not a folder.', app.folder));
  }
  return real;
}

/**
 * Reads a file of an app folder only when it really is inside the folder (a file the container
 * replaced by a symlink to, say, ~/.ssh/config is not read). Undefined when missing or outside.
 */
export async function readFileInside(folder: string, name: string): Promise<string | undefined> {
  const real = await realpathInside(path.join(folder, name), [folder]);
  if (real === undefined) {
    return undefined;
  }
  try {
    return await fs.readFile(real, 'utf8');
  } catch {
    return undefined;
  }
}
