/**
 * The source mirror: how an app's folder reaches its container without the container ever being
 * able to write to it. The folder is bind-mounted read-only at SOURCE_DIR; a small program (below,
 * run by the image's own node before the app's command) copies it into APP_DIR inside the
 * container, then follows changes one way (host → container) so dev servers still hot-reload.
 * Whatever the app, its install scripts or its dev server write lands in the container's copy (or
 * in its named volumes), never in the user's folder — so nothing the container writes can ever be
 * executed on the host (workspace settings, git hooks, editor tooling configs). See docs/SECURITY.md.
 */

/** Where the folder is mounted, read-only. */
export const SOURCE_DIR = '/preview-source';
/** Where the app runs: the container's own copy (its writable layer, plus the dependency volume). */
export const APP_DIR = '/app';

/**
 * Never copied, at any depth: what the host (VS Code, git, other editors, direnv) executes or
 * trusts on its own, and dependency folders (the container has its own, in a volume).
 */
export const PROTECTED_NAMES: readonly string[] = ['.git', '.hg', '.svn', '.vscode', '.idea', '.devcontainer', '.envrc', 'node_modules'];

/** Hidden even from the read-only mount when they are folders (credentials live there). */
export const HIDDEN_NAMES: readonly string[] = ['.git'];

/** Not copied at the top: build caches and output a host-side build may have left (large, useless inside). */
export const SKIPPED_TOP_LEVEL: readonly string[] = ['.next', '.nuxt', '.output', '.svelte-kit', '.angular', '.astro', '.docusaurus', '.turbo', '.parcel-cache', '.vite'];

/**
 * A monorepo workspace member (workspaceMembership.ts): the copy is of the workspace root, and the
 * app's command runs in this folder of it (relative, `/`-separated); its build caches are skipped
 * there as at the top.
 */
export const MIRROR_MEMBER_ENV = 'PREVIEW_MIRROR_MEMBER';

/**
 * The program, as constant text (it is passed as an argument to `node -e`; the shell never sees
 * it). It copies SOURCE_DIR into APP_DIR, watches every directory (fs.watch per directory: portable
 * across Node versions), then runs the app's command as its child, forwarding signals and exiting
 * with the child's code. Test hooks: PREVIEW_SOURCE_DIR / PREVIEW_APP_DIR override the paths, and
 * PREVIEW_MIRROR_READY names a file touched once the first copy is done.
 */
export const MIRROR_PROGRAM = `'use strict';
const fs = require('fs');
const path = require('path');
const SRC = process.env.PREVIEW_SOURCE_DIR || ${JSON.stringify(SOURCE_DIR)};
const DST = process.env.PREVIEW_APP_DIR || ${JSON.stringify(APP_DIR)};
const PROTECTED = new Set(${JSON.stringify(PROTECTED_NAMES)});
const TOP = new Set(${JSON.stringify(SKIPPED_TOP_LEVEL)});
const MEMBER = (process.env.${MIRROR_MEMBER_ENV} || '').split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
const watchers = new Map();
const inMember = (parts) => parts.length > MEMBER.length && MEMBER.every((m, i) => parts[i] === m);
const skipped = (rel) => {
  const parts = rel.split('/');
  return parts.some((p) => PROTECTED.has(p)) || TOP.has(parts[0]) || (MEMBER.length > 0 && inMember(parts) && TOP.has(parts[MEMBER.length]));
};
const lstat = (p) => { try { return fs.lstatSync(p); } catch { return undefined; } };
function remove(rel) {
  for (const [dir, w] of watchers) {
    if (dir === rel || dir.startsWith(rel + '/')) { w.close(); watchers.delete(dir); }
  }
  fs.rmSync(path.join(DST, rel), { recursive: true, force: true });
}
function copy(rel) {
  if (rel !== '' && skipped(rel)) return;
  const from = path.join(SRC, rel);
  const to = path.join(DST, rel);
  const s = lstat(from);
  if (!s) { if (rel !== '') remove(rel); return; }
  const d = lstat(to);
  if (s.isDirectory()) {
    if (d && !d.isDirectory()) fs.rmSync(to, { recursive: true, force: true });
    if (!d || !d.isDirectory()) fs.mkdirSync(to, { recursive: true, mode: s.mode & 0o7777 });
    watch(rel);
    const names = new Set(fs.readdirSync(from));
    for (const name of names) copy(rel === '' ? name : rel + '/' + name);
    if (d && d.isDirectory()) {
      // Entries deleted on the host while nobody watched (a directory moved in, a missed event).
      for (const name of fs.readdirSync(to)) {
        const child = rel === '' ? name : rel + '/' + name;
        if (!names.has(name) && !skipped(child)) remove(child);
      }
    }
  } else if (s.isSymbolicLink()) {
    // Kept a link: inside the container it resolves in the container's own file system.
    const target = fs.readlinkSync(from);
    if (d && d.isSymbolicLink() && fs.readlinkSync(to) === target) return;
    if (d) fs.rmSync(to, { recursive: true, force: true });
    fs.symlinkSync(target, to);
  } else if (s.isFile()) {
    if (d && d.isFile() && d.size === s.size && Math.abs(d.mtimeMs - s.mtimeMs) < 2) return;
    if (d && !d.isFile()) fs.rmSync(to, { recursive: true, force: true });
    fs.copyFileSync(from, to);
    fs.chmodSync(to, s.mode & 0o7777);
    // Timestamps too: installs and dev servers compare them (package.json newer than the install).
    fs.utimesSync(to, s.atime, s.mtime);
  }
}
let pending = new Set();
let scheduled = false;
function changed(rel) {
  pending.add(rel);
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const batch = pending;
    pending = new Set();
    for (const r of batch) { try { copy(r); } catch (e) { if (e.code !== 'ENOENT') console.error('preview-containers mirror: ' + r + ': ' + e.message); } }
  });
}
function watch(rel) {
  if (watchers.has(rel)) return;
  try {
    const w = fs.watch(path.join(SRC, rel), (event, name) => {
      if (name) changed(rel === '' ? String(name) : rel + '/' + name); else changed(rel);
    });
    w.on('error', () => { w.close(); watchers.delete(rel); });
    watchers.set(rel, w);
  } catch (e) {
    console.error('preview-containers mirror: cannot watch ' + (rel || '.') + ': ' + e.message);
  }
}
const started = Date.now();
copy('');
if (process.env.PREVIEW_MIRROR_READY) fs.writeFileSync(process.env.PREVIEW_MIRROR_READY, String(Date.now() - started));
const argv = process.argv.slice(1);
if (argv.length === 0) { setInterval(() => undefined, 1 << 30); } else {
  const child = require('child_process').spawn(argv[0], argv.slice(1), { stdio: 'inherit', cwd: path.join(DST, ...MEMBER) });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    console.error('preview-containers: cannot run ' + argv[0] + ': ' + (e.code === 'ENOENT' ? 'not found (no such file or directory on PATH)' : e.message));
    process.exit(e.code === 'ENOENT' ? 127 : 126);
  });
  child.on('exit', (code, signal) => process.exit(code === null ? 128 + (require('os').constants.signals[signal] || 1) : code));
}
`;

/** The container command that runs `command` inside the mirrored copy of the source. */
export function mirrored(command: readonly string[]): string[] {
  return ['node', '-e', MIRROR_PROGRAM, '--', ...command];
}

/** The app's own command inside a mirrored one (for messages). */
export function unmirrored(command: readonly string[]): readonly string[] {
  return command[0] === 'node' && command[1] === '-e' && command[2] === MIRROR_PROGRAM && command[3] === '--' ? command.slice(4) : command;
}
