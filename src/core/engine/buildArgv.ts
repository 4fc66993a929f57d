import * as path from 'node:path';
import type { PullPolicy } from '../settings';
import { BuildSpecError } from './engineErrors';
import type { EngineKind } from './types';

/** Everything `build` needs; paths are real (symlinks resolved) and checked to lie in the workspace. */
export interface BuildSpec {
  /** `localhost/preview-containers/<appId>:<hash>` (see imageBuild.ts). */
  readonly tag: string;
  readonly dockerfile: string;
  readonly context: string;
  readonly target?: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Labels on the image (and so on every container run from it). */
  readonly labels: Readonly<Record<string, string>>;
  readonly pull: PullPolicy;
  /** Rebuild: every step runs again (RUN steps that fetch dependencies get today's). */
  readonly noCache?: boolean;
}

// A reference we tag ourselves: lower-case repository path, a tag; never an option.
const TAG = /^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const STAGE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The argv of `build`. Each value is its own argv entry (no shell anywhere on the host side).
 * - `--pull`: podman takes the policy as it is; docker's `--pull` is a yes/no "always", so
 *   "never"/"missing" pass nothing (docker pulls a missing base then: under "never" the caller
 *   checks the base images first, see imageBuild.ts).
 * - `--force-rm`: a failed step's container goes too (docker's classic builder keeps it otherwise;
 *   podman's default, said explicitly).
 * - No `--progress`: BuildKit prints plain lines when its output is not a terminal, and the legacy
 *   builder of newer docker clients refuses the flag.
 */
export function buildBuildArgv(spec: BuildSpec, kind: EngineKind = 'podman'): string[] {
  if (!TAG.test(spec.tag) || spec.tag.includes('//')) {
    throw new BuildSpecError(`Invalid image tag: ${JSON.stringify(spec.tag)}`);
  }
  for (const [what, value] of [
    ['Dockerfile', spec.dockerfile],
    ['build context', spec.context],
  ] as const) {
    if (!path.isAbsolute(value) || /[\0\n\r]/.test(value)) {
      throw new BuildSpecError(`The ${what} path must be absolute, without line breaks or NUL characters: ${JSON.stringify(value)}`);
    }
  }
  if (spec.target !== undefined && !STAGE.test(spec.target)) {
    throw new BuildSpecError(`Invalid build stage name: ${JSON.stringify(spec.target)}`);
  }
  const args = ['build', '--file', spec.dockerfile, '--tag', spec.tag, '--force-rm'];
  if (kind === 'podman') {
    args.push(`--pull=${spec.pull}`);
  } else if (spec.pull === 'always') {
    args.push('--pull');
  }
  if (spec.noCache) {
    args.push('--no-cache');
  }
  if (spec.target !== undefined) {
    args.push('--target', spec.target);
  }
  for (const [name, value] of Object.entries(spec.buildArgs)) {
    if (!ARG_NAME.test(name) || value.includes('\0')) {
      throw new BuildSpecError(`Invalid build argument ${JSON.stringify(name)}`);
    }
    args.push('--build-arg', `${name}=${value}`);
  }
  for (const [key, value] of Object.entries(spec.labels)) {
    if (!LABEL_KEY.test(key) || /[\0\n\r]/.test(value)) {
      throw new BuildSpecError(`Invalid image label ${JSON.stringify(key)}`);
    }
    args.push('--label', `${key}=${value}`);
  }
  // Absolute, so never read as an option.
  args.push(spec.context);
  return args;
}
