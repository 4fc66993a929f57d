import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readFileInside } from './containment';
import { parseIgnoreFile, type IgnoreRules } from './dockerignore';

/**
 * A cheap fingerprint of what a build would send as its context: the paths, types, sizes and
 * modification times of the files the ignore file lets through (not their contents).
 *
 * Why the context counts at all: an app's image holds its code (`COPY . .`), and an unchanged
 * Dockerfile says nothing about changed code. A build skipped because only the Dockerfile was
 * hashed would start yesterday's code without a word — worse than a rebuild that was not needed,
 * which the engine's layer cache makes cheap. Why metadata, not contents: reading every file at
 * every start would cost as much as the build's own context transfer; a `touch` (or a checkout)
 * then costs a cached rebuild, nothing worse.
 */
export interface ContextFingerprint {
  readonly hash: string;
  /** Entries fingerprinted. */
  readonly entries: number;
  /** The walk stopped at `maxEntries`: changes beyond it do not change the hash. */
  readonly truncated: boolean;
  /** The ignore file used, if any. */
  readonly ignoreFile: string | undefined;
}

/** podman reads `.containerignore` first, then `.dockerignore`; docker only the latter. */
export const IGNORE_FILES: readonly string[] = ['.containerignore', '.dockerignore'];

export const MAX_CONTEXT_ENTRIES = 50_000;

export async function fingerprintContext(context: string, options: { readonly maxEntries?: number } = {}): Promise<ContextFingerprint> {
  const maxEntries = options.maxEntries ?? MAX_CONTEXT_ENTRIES;
  let rules: IgnoreRules = parseIgnoreFile('');
  let ignoreFile: string | undefined;
  for (const name of IGNORE_FILES) {
    // Only a file really inside the context (not a symlink out of it) is read.
    const text = await readFileInside(context, name);
    if (text !== undefined) {
      rules = parseIgnoreFile(text);
      ignoreFile = name;
      break;
    }
  }
  const hash = createHash('sha256');
  let entries = 0;
  let truncated = false;
  const walk = async (relative: string): Promise<void> => {
    let dirents: import('node:fs').Dirent[];
    try {
      dirents = await fs.readdir(path.join(context, relative), { withFileTypes: true });
    } catch {
      hash.update(`${relative}\0unreadable\n`);
      return;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of dirents) {
      if (truncated) {
        return;
      }
      const rel = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
      const excluded = rules.excludes(rel);
      // An excluded folder is skipped unless an exception could bring something below it back.
      if (excluded && (!dirent.isDirectory() || !rules.hasExceptions)) {
        continue;
      }
      if (++entries > maxEntries) {
        truncated = true;
        return;
      }
      const full = path.join(context, rel);
      if (dirent.isDirectory()) {
        if (!excluded) {
          hash.update(`${rel}\0dir\n`);
        }
        await walk(rel);
        continue;
      }
      try {
        const stat = await fs.lstat(full);
        const link = stat.isSymbolicLink() ? await fs.readlink(full) : '';
        hash.update(`${rel}\0${stat.isSymbolicLink() ? 'link' : 'file'}\0${stat.size}\0${stat.mtimeMs}\0${link}\0${stat.mode}\n`);
      } catch {
        hash.update(`${rel}\0vanished\n`);
      }
    }
  };
  await walk('');
  return { hash: hash.digest('hex'), entries: Math.min(entries, maxEntries), truncated, ignoreFile };
}
