import type { AppOverride, Settings } from './settings';
import { chooseContainerPort, exposedPorts, workdirOf } from './dockerfile';
import type { ImageDetails } from './engine/images';
import type { SourceMount } from './engine/runArgs';
import { AppFolderError } from './errors';
import type { DockerfileBuildPlan } from './imageBuild';

/** How a built image runs: what RunSpec needs beyond the lease (the controller adds name, bind address). */
export interface DockerfileRunConfig {
  readonly image: string;
  readonly containerPort: number;
  /** argv after the image; empty: the image's own CMD/ENTRYPOINT. Never the Node source mirror. */
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Nothing mounted (the image holds the code), or the app folder read-only at the image's WORKDIR. */
  readonly mount: SourceMount;
  /** How the port was chosen etc., for the log. */
  readonly origin: string;
  readonly notes: readonly string[];
}

/**
 * The run settings of a built image: the container port by the rule (apps[].containerPort, the
 * Dockerfile's EXPOSE, the image's exposed ports, the setting), the entry's `command` (argv, or a
 * string through the image's `sh -c`) over the image's own, and with `mountSource` the folder at
 * the image's WORKDIR (the image's metadata is the truth; the Dockerfile's when no image details).
 */
export function dockerfileRunConfig(
  plan: Pick<DockerfileBuildPlan, 'app' | 'launch' | 'facts' | 'tag'>,
  image: ImageDetails | undefined,
  override: AppOverride | undefined,
  settings: Pick<Settings, 'containerPort'>,
): DockerfileRunConfig {
  const port = chooseContainerPort({
    ...(override?.containerPort === undefined ? {} : { override: override.containerPort }),
    exposed: plan.facts ? exposedPorts(plan.facts, plan.launch.target) : [],
    imagePorts: image?.exposedPorts ?? [],
    fallback: settings.containerPort,
  });
  const command = override?.command === undefined ? [] : typeof override.command === 'string' ? ['sh', '-c', override.command] : [...override.command];
  let mount: SourceMount = { kind: 'none' };
  if (plan.launch.mountSource) {
    const workdir = image?.workingDir ?? (plan.facts ? workdirOf(plan.facts, plan.launch.target) : undefined);
    if (workdir === undefined || workdir === '/' || !workdir.startsWith('/')) {
      throw new AppFolderError(
        plan.app.appId,
        `mountSource mounts its folder at the image's WORKDIR, and ${workdir === undefined ? 'the image has none' : `"${workdir}" is not a folder to mount over`}. Add a WORKDIR (e.g. "WORKDIR /app") to the Dockerfile, or turn mountSource off.`,
      );
    }
    mount = { kind: 'readOnly', target: workdir };
  }
  const origin = `Dockerfile ${plan.launch.dockerfile}${plan.launch.target ? ` (target ${plan.launch.target})` : ''}, image ${plan.tag}; container port ${port.port} from ${port.source}${mount.kind === 'readOnly' ? `; folder mounted read-only at ${mount.target}` : ''}`;
  return { image: plan.tag, containerPort: port.port, command, env: override?.env ?? {}, mount, origin, notes: port.notes };
}
