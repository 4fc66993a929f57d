import { createHash } from 'node:crypto';
import * as path from 'node:path';

/**
 * An app is a folder. Its `key` is unique on the machine (globalState is shared by every
 * workspace, so two workspaces that both contain `apps/web` must not share a lease); its `appId`
 * is the short, human-facing name shown in the UI and in labels.
 */
export interface AppRef {
  /** Machine-unique lease key: the absolute, normalized folder path. */
  readonly key: string;
  /** Human-facing id: a slug of the workspace-relative path. */
  readonly appId: string;
  /** Absolute folder of the app (what gets mounted). */
  readonly folder: string;
  /** Display name (package name or folder name). */
  readonly name: string;
  /** The workspace folder the app was found in: its folder must stay inside it (containment). */
  readonly root: string;
}

/** Lower-case, `[a-z0-9-]` only, no leading/trailing dashes, never empty. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return slug.length > 0 ? slug : 'app';
}

export function appKeyFor(folder: string): string {
  return path.resolve(folder);
}

/**
 * Builds the identity of the app in `folder`, found inside the workspace folder `workspaceRoot`.
 * The root folder itself is named after the workspace folder.
 */
export function makeAppRef(folder: string, workspaceRoot: string, name?: string): AppRef {
  const key = appKeyFor(folder);
  const root = path.resolve(workspaceRoot);
  let relative = path.relative(root, key);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    relative = path.basename(key) || 'app';
  }
  const appId = slugify(relative.split(path.sep).join('-'));
  return { key, appId, folder: key, name: name && name.trim() !== '' ? name.trim() : path.basename(key) || appId, root };
}

/** A short stable hash of the key: makes names unique across workspaces. */
export function keyHash(key: string, length = 8): string {
  return createHash('sha256').update(key).digest('hex').slice(0, length);
}

/**
 * A valid engine container name (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`) whatever the folder is called,
 * unique per folder on this machine. Built from the folder alone: the appId depends on how the
 * workspace is opened (root or sub-folder, multi-root), and one folder must keep one container.
 */
export function containerNameFor(app: Pick<AppRef, 'key'>): string {
  return `preview-${readablePart(app.key)}-${keyHash(app.key)}`;
}

/** The per-app volume that caches node_modules between starts (a valid volume name). */
export function dependencyVolumeFor(app: Pick<AppRef, 'key'>): string {
  return volumeNameFor('preview-deps', app);
}

/**
 * A valid, machine-unique volume name for one of an app's volumes: `<prefix>-<folder>-<hash>`,
 * then `-<suffix>` (a `[a-z0-9-]` word naming what it holds) when given.
 */
export function volumeNameFor(prefix: string, app: Pick<AppRef, 'key'>, suffix?: string): string {
  return `${prefix}-${readablePart(app.key)}-${keyHash(app.key)}${suffix === undefined ? '' : `-${slugify(suffix)}`}`;
}

function readablePart(key: string): string {
  return slugify(path.basename(key) || 'app').slice(0, 40);
}
