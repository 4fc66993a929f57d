import type { Listener } from '../listeners';
import type { BuildSpec } from './buildArgv';
import type { ImageDetails, ImageSummary } from './images';
import type { RunSpec } from './runArgs';
import type { ContainerDetails, ContainerSummary, EngineEvent, EngineKind } from './types';

export interface EngineInfo {
  readonly kind: EngineKind;
  readonly version: string;
}

export interface BuildResult {
  /** Layers this build committed (not taken from the cache), oldest first. */
  readonly createdLayers: readonly string[];
}

/** The container engine as the controller sees it; podman and docker behind one face. */
export interface ContainerEngine {
  readonly kind: EngineKind;
  /** The binary actually used (for messages: "which engine did this?"). */
  readonly binary: string;
  /** The machine containers run on when it is not this one (a remote connection/context). */
  readonly host: string | undefined;
  info(): Promise<EngineInfo>;
  /** Creates and starts a container; returns its id. Throws EngineRunError (engineErrors.ts) on refusal. */
  run(spec: RunSpec): Promise<string>;
  start(idOrName: string): Promise<void>;
  stop(idOrName: string, timeoutSeconds?: number): Promise<void>;
  /** Removes (force: also when running). A missing container is not an error. */
  remove(idOrName: string, force?: boolean): Promise<void>;
  /** Removes named volumes (in one engine call); missing ones are not an error. */
  removeVolumes(names: readonly string[]): Promise<void>;
  /** Containers; `ours` limits to those carrying our managed label. */
  list(options: { readonly all: boolean; readonly ours: boolean }): Promise<ContainerSummary[]>;
  inspect(idOrName: string): Promise<ContainerDetails | undefined>;
  /** The last `tail` log lines (stdout and stderr interleaved). */
  logs(idOrName: string, tail: number): Promise<string[]>;
  /** Streams log lines until the container stops or `signal` aborts. */
  followLogs(idOrName: string, onLine: (line: string) => void, signal: AbortSignal, tail?: number): Promise<void>;
  /** Streams our containers' events until the stream ends (caller reconnects) or `signal` aborts. */
  events(onEvent: (event: EngineEvent) => void, signal: AbortSignal): Promise<{ readonly reason: string }>;
  /** Resolves with the exit code when the container exits (or undefined if cancelled/unknown). */
  wait(idOrName: string, signal: AbortSignal): Promise<number | undefined>;
  /**
   * The sockets the container listens on (its network namespace's /proc/net/tcp and tcp6), or
   * undefined when they cannot be read (a container gone, an engine whose host we cannot see).
   */
  listeners(idOrName: string): Promise<Listener[] | undefined>;
  imageExists(image: string): Promise<boolean>;
  pull(image: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void>;
  /**
   * Builds and tags an image, streaming every output line. Throws EngineBuildError
   * (engineErrors.ts) when the build fails, CancelledError when `signal` aborts — and then leaves
   * nothing of the build behind: no tag, no working container, no layer it committed.
   */
  build(spec: BuildSpec, onLine: (line: string) => void, signal: AbortSignal): Promise<BuildResult>;
  /** Removes an image (tag or id) and the untagged layers only it used; a missing one is not an error, one in use throws. */
  removeImage(ref: string): Promise<void>;
  /** The image's labels, exposed ports and working directory; undefined when there is no such image. */
  inspectImage(ref: string): Promise<ImageDetails | undefined>;
  /** Images with the label `key=value` (e.g. every image built for one app). */
  listImages(label: { readonly key: string; readonly value: string }): Promise<ImageSummary[]>;
  /**
   * Re-creates a container's port forwarding. Podman 4.3 drops a running container's forwarding
   * when another `run` fails on the same port; this puts it back. No-op where not needed.
   */
  repairForwarding(idOrName: string): Promise<void>;
}
