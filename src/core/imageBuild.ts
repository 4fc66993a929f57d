import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { AppRef } from './appIdentity';
import type { DockerfileLaunch } from './appLaunch';
import { fingerprintContext, type ContextFingerprint } from './buildContext';
import { isInside, realpathOrUndefined } from './containment';
import { baseImages, parseDockerfile, type DockerfileFacts } from './dockerfile';
import type { BuildSpec } from './engine/buildArgv';
import type { BuildStep } from './engine/buildOutput';
import { BuildOutput } from './engine/buildOutput';
import type { ContainerEngine } from './engine/containerEngine';
import { EngineBuildError } from './engine/engineErrors';
import { LABEL_BASE_IMAGES, LABEL_BUILD_HASH, LABEL_BUILT_FOR } from './engine/labels';
import { AppFolderError, BaseImageMissingError, ImageBuildError } from './errors';
import type { Logger } from './logger';
import type { PullPolicy } from './settings';

/**
 * Dockerfile apps (issue 15), the host side: what to build (inputs checked to lie in the
 * workspace, a tag per app and content), whether to build at all, the build itself with clear
 * errors (how the built image runs: dockerfileRun.ts). The start path's "prepare the launch" step calls these;
 * the engine verbs are `build`, `inspectImage`, `removeImage`, `listImages`.
 */

/** Every image we build lives under this repository, one name per app. */
export const IMAGE_REPOSITORY = 'localhost/preview-containers';

/** Bump when what the hash covers changes, so every app rebuilds once. */
const HASH_VERSION = 1;
const HASH_LENGTH = 12;
/** A Dockerfile bigger than this is not one (the engines would choke on it too). */
const MAX_DOCKERFILE_BYTES = 1024 * 1024;

export function imageRepositoryFor(appId: string): string {
  return `${IMAGE_REPOSITORY}/${appId}`;
}

export function buildTagFor(appId: string, hash: string): string {
  return `${imageRepositoryFor(appId)}:${hash}`;
}

/** The build's inputs, real paths, read now (not at discovery: a file can have become a link since). */
export interface BuildInputs {
  readonly dockerfile: string;
  readonly context: string;
  readonly dockerfileText: string;
}

/**
 * The Dockerfile and the context with symlinks resolved, checked to lie inside a workspace folder
 * (`roots`; default: the folders discovery allowed, else the app's own), the Dockerfile a file, the context a folder. The context is
 * sent to the engine whole and can be copied into the image: never the host's files.
 */
export async function containedBuildInputs(app: AppRef, launch: DockerfileLaunch, roots: readonly string[] = launch.roots ?? [app.root]): Promise<BuildInputs> {
  const realRoots = (await Promise.all(roots.map(async (root) => (await realpathOrUndefined(root)) ?? root))).filter((r) => r !== '');
  const contained = async (target: string, what: string): Promise<string> => {
    const real = await realpathOrUndefined(target);
    if (real === undefined) {
      throw new AppFolderError(app.appId, `its ${what} ${target} does not exist (any more).`);
    }
    if (!realRoots.some((root) => isInside(real, root))) {
      throw new AppFolderError(app.appId, `its ${what} ${target} resolves to ${real}, outside the workspace. Only files inside the workspace are built.`);
    }
    return real;
  };
  const dockerfile = await contained(launch.dockerfile, 'Dockerfile');
  const context = await contained(launch.context, 'build context');
  const [fileStat, contextStat] = await Promise.all([fs.stat(dockerfile), fs.stat(context)]);
  if (!fileStat.isFile() || fileStat.size > MAX_DOCKERFILE_BYTES) {
    throw new AppFolderError(app.appId, `its Dockerfile ${launch.dockerfile} is not a file of at most 1 MB.`);
  }
  if (!contextStat.isDirectory()) {
    throw new AppFolderError(app.appId, `its build context ${launch.context} is not a folder.`);
  }
  return { dockerfile, context, dockerfileText: await fs.readFile(dockerfile, 'utf8') };
}

export interface BaseImage {
  readonly reference: string;
  /** Its id when present in the engine's store; undefined: not there (yet). */
  readonly id: string | undefined;
}

export interface DockerfileBuildPlan {
  readonly app: AppRef;
  readonly launch: DockerfileLaunch;
  readonly inputs: BuildInputs;
  /** Undefined when the Dockerfile could not be read for facts (the build still goes ahead). */
  readonly facts: DockerfileFacts | undefined;
  readonly hash: string;
  readonly tag: string;
  readonly spec: BuildSpec;
  /** External images the built target needs, with their local ids. */
  readonly baseImages: readonly BaseImage[];
  readonly context: ContextFingerprint;
  /** For the log: what the Dockerfile parser could not read, a context too large to fingerprint. */
  readonly notes: readonly string[];
}

export interface BuildHashInputs {
  readonly dockerfile: string;
  readonly dockerfileText: string;
  readonly context: string;
  readonly target: string | undefined;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly contextHash: string;
}

/**
 * The tag's hash: the Dockerfile (path and text), the build settings (context path, target,
 * build arguments) and the context's fingerprint (see buildContext.ts for why it counts).
 * Base images are not in it: a base image removed after the build must not make an existing
 * image unusable; a base that changed is caught by `needsBuild` from the image's labels.
 */
export function computeBuildHash(inputs: BuildHashInputs): string {
  const args = Object.keys(inputs.buildArgs)
    .sort()
    .map((name) => [name, inputs.buildArgs[name]]);
  const text = JSON.stringify([HASH_VERSION, inputs.dockerfile, inputs.dockerfileText, inputs.context, inputs.target ?? null, args, inputs.contextHash]);
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * What to build for a Dockerfile app, without building: inputs (checked), facts, the tag, the
 * build spec with its labels, the base images and whether each is present. Cheap: reads the
 * Dockerfile, walks the context's metadata, one `image inspect` per base image.
 */
export async function planDockerfileBuild(
  def: { readonly ref: AppRef; readonly launch: DockerfileLaunch },
  options: { readonly engine: ContainerEngine; readonly pullPolicy: PullPolicy; readonly roots?: readonly string[] },
): Promise<DockerfileBuildPlan> {
  const { ref: app, launch } = def;
  const inputs = await containedBuildInputs(app, launch, options.roots);
  const parsed = parseDockerfile(inputs.dockerfileText, { buildArgs: launch.buildArgs });
  const notes = parsed.notes.map((note) => `${inputs.dockerfile}: ${note}`);
  const facts = parsed.facts;
  if (facts && launch.target !== undefined && !facts.stages.some((s) => s.name === launch.target?.toLowerCase())) {
    notes.push(`${inputs.dockerfile} has no stage named "${launch.target}" (apps[].target); the build will say so.`);
  }
  const references = facts ? baseImages(facts, launch.target) : [];
  const bases = await Promise.all(references.map(async (reference) => ({ reference, id: (await options.engine.inspectImage(reference))?.id })));
  const context = await fingerprintContext(inputs.context);
  if (context.truncated) {
    notes.push(`The build context ${inputs.context} has more than ${context.entries} entries: only the first ones decide whether the image is rebuilt (add a .dockerignore, or use Rebuild).`);
  }
  const hash = computeBuildHash({ dockerfile: inputs.dockerfile, dockerfileText: inputs.dockerfileText, context: inputs.context, target: launch.target, buildArgs: launch.buildArgs, contextHash: context.hash });
  const tag = buildTagFor(app.appId, hash);
  // Only labels something reads: podman 4.3 commits one build step per --label (~0.4 s each,
  // docs/BENCHMARKS.md P8). The container gets the app and folder labels at `run` anyway.
  const labels: Record<string, string> = {
    [LABEL_BUILD_HASH]: hash,
    [LABEL_BUILT_FOR]: app.key,
    [LABEL_BASE_IMAGES]: baseImagesLabel(bases),
  };
  const spec: BuildSpec = {
    tag,
    dockerfile: inputs.dockerfile,
    context: inputs.context,
    ...(launch.target === undefined ? {} : { target: launch.target }),
    buildArgs: launch.buildArgs,
    labels,
    pull: options.pullPolicy,
  };
  return { app, launch, inputs, facts, hash, tag, spec, baseImages: bases, context, notes };
}

/** `ref=id` pairs of the bases present at build time (a label value: one line, no spaces). */
function baseImagesLabel(bases: readonly BaseImage[]): string {
  return bases
    .filter((b) => b.id !== undefined)
    .map((b) => `${b.reference}=${b.id ?? ''}`)
    .join(',');
}

function parseBaseImagesLabel(value: string | undefined): Map<string, string> {
  const result = new Map<string, string>();
  for (const pair of (value ?? '').split(',')) {
    const eq = pair.lastIndexOf('=');
    if (eq > 0) {
      result.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  return result;
}

export type BuildReason = 'noImage' | 'pullAlways' | 'baseChanged' | 'forced';

/**
 * Whether the app's image must be built now, and why: it is missing (a new hash: the Dockerfile,
 * a build setting or the context changed), a base image present here is not the one it was built
 * on, the pull policy is "always" (the build checks for newer bases; its cache keeps it cheap), or
 * a rebuild was asked for. Undefined: the image is there and current — start it, no build.
 */
export async function needsBuild(engine: ContainerEngine, plan: DockerfileBuildPlan, options: { readonly pullPolicy: PullPolicy; readonly force?: boolean }): Promise<BuildReason | undefined> {
  if (options.force) {
    return 'forced';
  }
  if (options.pullPolicy === 'always') {
    return 'pullAlways';
  }
  const image = await engine.inspectImage(plan.tag);
  if (!image) {
    return 'noImage';
  }
  const builtOn = parseBaseImagesLabel(image.labels[LABEL_BASE_IMAGES]);
  return plan.baseImages.some((base) => base.id !== undefined && builtOn.get(base.reference) !== base.id) ? 'baseChanged' : undefined;
}

export interface BuildOptions {
  readonly signal: AbortSignal;
  /** Rebuild App Container: no layer cache, so RUN steps fetch again (same tag when nothing else changed). */
  readonly noCache?: boolean;
  /** Every output line (for the app's log). */
  readonly onLine?: (line: string) => void;
  /** Each step as it starts (for the progress notification: "STEP 3/5: RUN pip install …"). */
  readonly onStep?: (step: BuildStep) => void;
  readonly logger?: Logger;
}

/**
 * Builds the plan's image. Under pull policy "never" a missing base image is refused before the
 * build (docker has no "never" for builds: it would try to pull); a failing step, a base that
 * could not be pulled become typed errors naming the step or the image. After a build the app's
 * older images are removed (those no container uses). Cancel (the signal) stops the build and
 * leaves nothing behind (the engine's `build` sees to it).
 */
export async function buildAppImage(engine: ContainerEngine, plan: DockerfileBuildPlan, options: BuildOptions): Promise<void> {
  const { app } = plan;
  const missing = plan.baseImages.filter((base) => base.id === undefined).map((base) => base.reference);
  if (plan.spec.pull === 'never' && missing.length > 0) {
    throw new BaseImageMissingError(app.appId, missing, plan.inputs.dockerfile, 'pullNever', engine.binary);
  }
  const steps = new BuildOutput(engine.kind);
  try {
    await engine.build(
      options.noCache ? { ...plan.spec, noCache: true } : plan.spec,
      (line) => {
        const step = steps.push(line);
        if (step) {
          options.onStep?.(step);
        }
        options.onLine?.(line);
      },
      options.signal,
    );
  } catch (error) {
    if (!(error instanceof EngineBuildError)) {
      throw error;
    }
    const failure = error.failure;
    switch (failure.kind) {
      case 'step':
        throw new ImageBuildError(app.appId, `STEP ${failure.step.position}: ${failure.step.instruction}`, failure.detail, failure.output);
      case 'baseImageMissing':
        throw new BaseImageMissingError(app.appId, [failure.image], plan.inputs.dockerfile, plan.spec.pull === 'never' ? 'pullNever' : 'pullFailed', engine.binary, failure.detail);
      case 'baseImageUnavailable':
        throw new BaseImageMissingError(app.appId, [failure.image], plan.inputs.dockerfile, 'pullFailed', engine.binary, failure.detail);
      default:
        throw new ImageBuildError(app.appId, undefined, failure.detail, failure.output);
    }
  }
  await removeOlderImages(engine, plan, options.logger);
}

/** The app's images other than the plan's; one a container still uses is refused by the engine and kept. */
async function removeOlderImages(engine: ContainerEngine, plan: DockerfileBuildPlan, logger: Logger | undefined): Promise<void> {
  try {
    for (const image of await engine.listImages({ key: LABEL_BUILT_FOR, value: plan.app.key })) {
      if (image.tags.includes(plan.tag)) {
        continue;
      }
      await engine.removeImage(image.tags[0] ?? image.id).catch((error: unknown) => logger?.debug(`Kept ${image.tags[0] ?? image.id}: ${String(error)}`));
    }
  } catch (error) {
    logger?.warn(`Could not list the older images of ${plan.app.appId}: ${String(error)}`);
  }
}

/**
 * The hash the app's image would have now, for "the Dockerfile changed since the running image was
 * built": compare with the running container's LABEL_BUILD_HASH label (containers inherit the
 * image's labels). Undefined when the inputs cannot be read (the start will say why).
 */
export async function currentBuildHash(app: AppRef, launch: DockerfileLaunch, roots?: readonly string[]): Promise<string | undefined> {
  try {
    const inputs = await containedBuildInputs(app, launch, roots);
    const context = await fingerprintContext(inputs.context);
    return computeBuildHash({ dockerfile: inputs.dockerfile, dockerfileText: inputs.dockerfileText, context: inputs.context, target: launch.target, buildArgs: launch.buildArgs, contextHash: context.hash });
  } catch {
    return undefined;
  }
}

/** True when a container's labels say it runs an image built from other inputs than `hash`. */
export function isOutdated(containerLabels: Readonly<Record<string, string>>, hash: string | undefined): boolean {
  const built = containerLabels[LABEL_BUILD_HASH];
  return built !== undefined && hash !== undefined && built !== hash;
}
