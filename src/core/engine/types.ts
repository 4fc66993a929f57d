/** What the engine adapter reports, the same for podman and docker. */

export type EngineKind = 'podman' | 'docker';

export interface PortBinding {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  /** Engine state word: running, exited, created, paused, … */
  readonly state: string;
  readonly running: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** Published ports (docker lists them only while running; podman also for stopped ones). */
  readonly ports: readonly PortBinding[];
  readonly exitCode: number | undefined;
  /** Start time (ms since epoch) of the current or last run, when the list says (podman does). */
  readonly startedAt?: number | undefined;
}

export interface ContainerDetails extends ContainerSummary {
  /** Start time (ms since epoch) of the current or last run. */
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;
  /** The engine's own error text for a failed start, if any. */
  readonly error: string | undefined;
  readonly privileged: boolean;
  /** The container's first process on the engine's host (while running). */
  readonly pid?: number | undefined;
  /** Host paths mounted into the container. */
  readonly mountSources: readonly string[];
}

/** Container lifecycle actions we care about, normalized across engines. */
export type EngineEventAction = 'create' | 'start' | 'die' | 'stop' | 'remove' | 'other';

export interface EngineEvent {
  readonly id: string;
  readonly name: string;
  readonly action: EngineEventAction;
  /** The raw action word as the engine printed it. */
  readonly rawAction: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Event time, ms since epoch (fractional where the engine gives nanoseconds). */
  readonly time: number;
  readonly exitCode: number | undefined;
}
