import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AppRef } from './appIdentity';
import { isInside, realpathOrUndefined } from './containment';
import { SettingsError } from './errors';
import type { AppOverride } from './settings';

/**
 * `apps[].envFile` names a host file the engine reads into the container's environment, so it is
 * contained like `apps[].path`: the path as written and its real path (symlinks resolved) must both
 * lie inside the app's workspace folder — checked at every start, since a symlink can be swapped in.
 */
export type EnvFileCheck = { readonly path: string } | { readonly problem: string };

export async function checkEnvFile(app: Pick<AppRef, 'folder' | 'root'>, envFile: string): Promise<EnvFileCheck> {
  const file = path.resolve(app.folder, envFile);
  const realRoot = (await realpathOrUndefined(app.root)) ?? app.root;
  if (!isInside(file, app.root)) {
    return { problem: `${file} lies outside the workspace folder ${app.root}` };
  }
  const real = await realpathOrUndefined(file);
  if (real === undefined) {
    return { problem: `${file} does not exist` };
  }
  if (!isInside(real, realRoot)) {
    return { problem: `${file} resolves to ${real}, outside the workspace folder ${app.root}` };
  }
  const stat = await fs.stat(real);
  if (!stat.isFile()) {
    return { problem: `${file} is not a file` };
  }
  return { path: real };
}

const MAX_ENV_FILE_BYTES = 1024 * 1024;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The variable names an env file sets, in the syntax podman and docker read (`NAME=value` lines,
 * `#` comments). A line with a bare `NAME` (or podman's `NAME*`) would make the engine copy that
 * variable from the editor's own environment — host secrets a workspace file may not read — so
 * such a file is refused.
 */
export function envFileNames(text: string): { names: Set<string> } | { problem: string } {
  const names = new Set<string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/^\s+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals);
    if (equals < 0 || !NAME.test(name)) {
      const why = equals < 0 ? 'has no "=": the engine would take its value from the editor’s own environment, which a workspace file may not read' : 'is not NAME=value';
      return { problem: `line ${index + 1} (${JSON.stringify(line.slice(0, 40))}) ${why}` };
    }
    names.add(name);
  }
  return { names };
}

export interface ContainedEnvFile {
  readonly path: string;
  readonly names: ReadonlySet<string>;
}

/** The app's env file (real path, and the names it sets), if its entry names one; a SettingsError naming the entry otherwise. */
export async function containedEnvFile(app: AppRef, override: AppOverride | undefined): Promise<ContainedEnvFile | undefined> {
  if (override?.envFile === undefined) {
    return undefined;
  }
  const what = `${JSON.stringify(override.envFile)} (of ${app.appId}, relative to its folder)`;
  const fail = (problem: string): never => {
    throw new SettingsError(`previewContainers.apps[${override.index ?? '?'}].envFile`, `${what}: ${problem}.`);
  };
  const checked = await checkEnvFile(app, override.envFile);
  if (!('path' in checked)) {
    return fail(`${checked.problem}. An env file must be a file inside the workspace; create it, or remove envFile from the entry`);
  }
  const stat = await fs.stat(checked.path);
  if (stat.size > MAX_ENV_FILE_BYTES) {
    return fail(`${checked.path} is larger than 1 MB`);
  }
  const parsed = envFileNames(await fs.readFile(checked.path, 'utf8'));
  return 'names' in parsed ? { path: checked.path, names: parsed.names } : fail(parsed.problem);
}
