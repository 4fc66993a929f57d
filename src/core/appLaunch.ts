/**
 * How an app runs (issue 15): in the Node image with a zero-config command, or as the image its
 * own Dockerfile builds. Discovery decides it; the start path's "prepare the launch" step acts on it.
 */

export interface NodeLaunch {
  readonly kind: 'node';
}

export interface DockerfileLaunch {
  readonly kind: 'dockerfile';
  /**
   * Absolute path of the Dockerfile as discovery found it. Checked to lie inside the workspace at
   * discovery, and again (symlinks resolved) at every build: a file can be swapped for a link later.
   */
  readonly dockerfile: string;
  /** Absolute build context folder (default: the app folder), checked like `dockerfile`. */
  readonly context: string;
  /** The stage to build (`--target`); undefined: the last one. */
  readonly target: string | undefined;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Mount the app folder read-only at the image's WORKDIR (dev-style images); default: nothing mounted. */
  readonly mountSource: boolean;
  /**
   * The workspace folders `dockerfile` and `context` may lie in (an `apps[]` entry may name them in
   * another folder of a multi-root workspace); undefined: the app's own workspace folder.
   */
  readonly roots?: readonly string[];
}

export type AppLaunch = NodeLaunch | DockerfileLaunch;

export const NODE_LAUNCH: NodeLaunch = { kind: 'node' };

/**
 * The file names that make a folder a Dockerfile app, in the order they are looked for (podman's
 * order: a folder with both most likely keeps the podman-specific one for a reason).
 */
export const DOCKERFILE_NAMES: readonly string[] = ['Containerfile', 'Dockerfile'];

/** An app definition made before discovery knew Dockerfiles (or by hand) runs as a Node app. */
export function launchOf(def: { readonly launch?: AppLaunch }): AppLaunch {
  return def.launch ?? NODE_LAUNCH;
}
