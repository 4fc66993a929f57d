/** What an engine's error text means, for the handful of failures we react to. */
export type EngineFailureKind = 'portConflict' | 'nameInUse' | 'imageMissing' | 'pullFailed' | 'engineDown' | 'runtime' | 'noSuchContainer' | 'unknown';

export interface EngineFailure {
  readonly kind: EngineFailureKind;
  /** For port conflicts: the host port the engine could not bind, when it says. */
  readonly port?: number;
}

const PORT_CONFLICT = [/address already in use/i, /port is already allocated/i, /EADDRINUSE/, /proxy already running/i];
const PORT_IN_TEXT = [/:(\d{1,5}): bind:/, /Bind for [^\s]*:(\d{1,5}) failed/, /port (\d{1,5}) is already/i, /:(\d{1,5})\b.*already in use/];

export function classifyEngineFailure(stderr: string): EngineFailure {
  if (PORT_CONFLICT.some((p) => p.test(stderr))) {
    for (const pattern of PORT_IN_TEXT) {
      const match = pattern.exec(stderr);
      if (match) {
        return { kind: 'portConflict', port: Number(match[1]) };
      }
    }
    return { kind: 'portConflict' };
  }
  if (/name "?\/?[^"\s]*"? is already in use|Conflict\. The container name/i.test(stderr)) {
    return { kind: 'nameInUse' };
  }
  if (/image not known|No such image|Unable to find image .* locally\s*$/im.test(stderr) && !/Trying to pull/i.test(stderr)) {
    return { kind: 'imageMissing' };
  }
  if (/pinging container registry|manifest unknown|pull access denied|Trying to pull|error pulling image|failed to resolve reference|requested access to the resource is denied/i.test(stderr)) {
    return { kind: 'pullFailed' };
  }
  if (/Cannot connect to the Docker daemon|Cannot connect to Podman|unable to connect to Podman|connection refused.*\.sock|Is the docker daemon running/i.test(stderr)) {
    return { kind: 'engineDown' };
  }
  if (/no such container|no container with name or ID/i.test(stderr)) {
    return { kind: 'noSuchContainer' };
  }
  if (/OCI runtime|runc create failed|crun:|executable file not found|exec format error|starting container process/i.test(stderr)) {
    return { kind: 'runtime' };
  }
  return { kind: 'unknown' };
}
