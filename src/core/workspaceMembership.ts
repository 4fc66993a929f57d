import * as path from 'node:path';
import { isInside, readFileInside } from './containment';

/**
 * Monorepo apps: a folder that an npm/yarn/bun `workspaces` list or a `pnpm-workspace.yaml` above it
 * names is a member of that workspace. Its dependencies (`workspace:*`, sibling packages, the one
 * lockfile at the root) only install from the root, so such an app runs on a copy of the whole
 * workspace root, installed there, with its own folder as the working directory.
 */
export interface WorkspaceMembership {
  /** The workspace root (absolute): mounted read-only, installed in its copy. */
  readonly root: string;
  /** The app folder relative to the root, `/`-separated (never empty, never `..`). */
  readonly member: string;
  /** The file that names the app, for the log. */
  readonly declaredBy: 'package.json workspaces' | 'pnpm-workspace.yaml';
}

export interface MembershipFs {
  readText(file: string): Promise<string | undefined>;
}

/** Reads a file only when it really lies in its folder (no symlink out of the workspace is followed). */
export const containedReads: MembershipFs = { readText: (file) => readFileInside(path.dirname(file), path.basename(file)) };

/** Lockfiles of every package manager: an app folder with its own installs on its own. */
export const LOCKFILES: readonly string[] = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

/**
 * The nearest folder above `appFolder` (up to `boundary`, the workspace folder, inclusive) that
 * declares workspaces, when its patterns include the app. An app with its own lockfile is not
 * treated as a member: it was installed on its own (a generated app dropped into `apps/`).
 */
export async function findWorkspaceMembership(
  appFolder: string,
  boundary: string,
  ownFiles: ReadonlySet<string>,
  io: MembershipFs,
): Promise<WorkspaceMembership | undefined> {
  if (LOCKFILES.some((file) => ownFiles.has(file)) || !isInside(appFolder, boundary)) {
    return undefined;
  }
  for (let dir = path.dirname(appFolder); isInside(dir, boundary); dir = path.dirname(dir)) {
    const declared = await declaredPatterns(dir, io);
    if (declared) {
      const member = path.relative(dir, appFolder).split(path.sep).join('/');
      return matchesWorkspace(member, declared.patterns) ? { root: dir, member, declaredBy: declared.by } : undefined;
    }
    if (dir === boundary || path.dirname(dir) === dir) {
      break;
    }
  }
  return undefined;
}

async function declaredPatterns(dir: string, io: MembershipFs): Promise<{ patterns: string[]; by: WorkspaceMembership['declaredBy'] } | undefined> {
  const pnpm = await io.readText(path.join(dir, 'pnpm-workspace.yaml'));
  const fromPnpm = pnpm === undefined ? undefined : pnpmWorkspacePackages(pnpm);
  if (fromPnpm !== undefined) {
    return { patterns: fromPnpm, by: 'pnpm-workspace.yaml' };
  }
  const pkg = await io.readText(path.join(dir, 'package.json'));
  const fromPackage = pkg === undefined ? undefined : packageJsonWorkspaces(pkg);
  return fromPackage === undefined ? undefined : { patterns: fromPackage, by: 'package.json workspaces' };
}

/** `workspaces: [...]` or `workspaces: { packages: [...] }` (yarn classic); undefined when absent. */
export function packageJsonWorkspaces(text: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const workspaces = (json as { workspaces?: unknown } | null)?.workspaces;
  const list = Array.isArray(workspaces) ? workspaces : (workspaces as { packages?: unknown } | undefined)?.packages;
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : undefined;
}

/**
 * The `packages:` list of a pnpm-workspace.yaml, block (`- 'apps/*'`) or flow (`['apps/*']`) style;
 * undefined when the file has none (pnpm 10 keeps settings there too: then it names no members).
 */
export function pnpmWorkspacePackages(text: string): string[] | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^packages\s*:/.test(line));
  if (start < 0) {
    return undefined;
  }
  const rest = uncomment(lines[start].replace(/^packages\s*:/, '')).trim();
  if (rest.startsWith('[')) {
    return rest
      .replace(/^\[|\].*$/g, '')
      .split(',')
      .map(unquote)
      .filter((item) => item !== '');
  }
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) {
      break; // the next top-level key
    }
    const item = /^\s*-\s*(.*)$/.exec(uncomment(line));
    if (item) {
      items.push(unquote(item[1]));
    }
  }
  return items.filter((entry) => entry !== '');
}

function uncomment(line: string): string {
  // A `#` starts a comment at the line's start or after a space, unless quoted (good enough for globs).
  const quoted = /^(\s*-?\s*)(['"])(.*?)\2/.exec(line);
  if (quoted) {
    return quoted[0];
  }
  return line.replace(/(^|\s)#.*$/, '');
}

function unquote(text: string): string {
  const trimmed = text.trim();
  return /^(['"]).*\1$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
}

/** Whether `member` (`apps/web`) matches the patterns (`apps/*`, `packages/**`, `!**\/test`). */
export function matchesWorkspace(member: string, patterns: readonly string[]): boolean {
  let included = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = normalise(negated ? raw.slice(1) : raw);
    if (pattern === '' || !globToRegExp(pattern).test(member)) {
      continue;
    }
    if (negated) {
      return false;
    }
    included = true;
  }
  return included;
}

function normalise(pattern: string): string {
  return pattern
    .trim()
    .replace(/^\.\//, '')
    .replace(/\/package\.json$/, '')
    .replace(/\/+$/, '');
}

function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split('/');
  let body = '';
  parts.forEach((segment, index) => {
    if (segment === '**') {
      // Any number of segments: at the start with their trailing slashes, later with leading ones.
      body += index > 0 ? '(?:/[^/]+)*' : parts.length === 1 ? '.*' : '(?:[^/]+/)*';
      return;
    }
    const afterLeadingGlobstar = index === 1 && parts[0] === '**';
    body += (index === 0 || afterLeadingGlobstar ? '' : '/') + segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  });
  return new RegExp(`^${body}$`);
}
