import { causeLine } from './logCause';

/**
 * Errors a user can meet. Each names the cause and the next step, and says which follow-up
 * actions make sense, so the UI can offer them as buttons without parsing messages.
 */
export type ErrorAction = 'showLogs' | 'openSettings' | 'retry' | 'releasePort' | 'installEngine' | 'useListenedPort';

export abstract class PreviewContainersError extends Error {
  abstract readonly code: string;
  readonly actions: readonly ErrorAction[];
  /** The setting the user should look at, when there is one. */
  readonly setting: string | undefined;

  protected constructor(message: string, actions: readonly ErrorAction[] = [], setting?: string) {
    super(message);
    this.name = new.target.name;
    this.actions = actions;
    this.setting = setting;
  }
}

export class SettingsError extends PreviewContainersError {
  readonly code = 'settings';
  constructor(setting: string, problem: string) {
    super(`Setting "${setting}" is invalid: ${problem}`, ['openSettings'], setting);
  }
}

export interface PortHolder {
  readonly appId: string;
  readonly port: number;
}

export class PoolExhaustedError extends PreviewContainersError {
  readonly code = 'poolExhausted';
  constructor(
    readonly start: number,
    readonly end: number,
    readonly holders: readonly PortHolder[],
  ) {
    const size = end - start + 1;
    const shown = holders.slice(0, 5).map((h) => `${h.appId} :${h.port}`);
    const more = holders.length > shown.length ? ` and ${holders.length - shown.length} more` : '';
    const held = holders.length > 0 ? ` Leased: ${shown.join(', ')}${more}.` : '';
    super(
      `The port pool is full: all ${size} ports of ${start}–${end} are leased or in use by other processes.${held} ` +
        'Release a port ("Preview Containers: Release App Port") or widen previewContainers.portRange.start/end.',
      ['releasePort', 'openSettings'],
      'previewContainers.portRange',
    );
  }
}

export class LockTimeoutError extends PreviewContainersError {
  readonly code = 'lockTimeout';
  constructor(lockPath: string) {
    super(
      `Another VS Code window is holding the port allocation lock (${lockPath}) for too long. ` +
        'Try again; if it persists, close other windows or delete that lock folder.',
      ['retry'],
    );
  }
}

export class EngineNotFoundError extends PreviewContainersError {
  readonly code = 'engineNotFound';
  constructor(tried: readonly string[]) {
    super(
      `No container engine found (tried ${tried.join(', ')}). Install podman (Debian/Ubuntu: "sudo apt-get install -y podman runc") ` +
        'or Docker, or point previewContainers.enginePath at the binary.',
      ['installEngine', 'openSettings'],
      'previewContainers.enginePath',
    );
  }
}

export class EngineNotRespondingError extends PreviewContainersError {
  readonly code = 'engineNotResponding';
  constructor(
    readonly engine: string,
    detail: string,
  ) {
    const hint =
      engine === 'docker'
        ? 'Start the Docker engine (e.g. "sudo systemctl start docker" or Docker Desktop)'
        : 'Check "podman info" in a terminal (on macOS/Windows: "podman machine start")';
    super(`${engine} is installed but its engine is not answering: ${firstLine(detail)}. ${hint}, or choose another engine in previewContainers.engine.`, ['retry', 'openSettings'], 'previewContainers.engine');
  }
}

export class ImageMissingError extends PreviewContainersError {
  readonly code = 'imageMissing';
  constructor(readonly image: string) {
    super(
      `Image "${image}" is not available locally and previewContainers.pullPolicy is "never". ` +
        `Pull or build it first (e.g. "podman pull ${image}"), or set the pull policy to "missing".`,
      ['openSettings', 'retry'],
      'previewContainers.pullPolicy',
    );
  }
}

export class ImagePullError extends PreviewContainersError {
  readonly code = 'imagePull';
  constructor(
    readonly image: string,
    detail: string,
  ) {
    super(
      `Could not pull image "${image}": ${firstLine(detail)}. Check the network and the image name (previewContainers.image), or use a local image with pull policy "never".`,
      ['openSettings', 'retry'],
      'previewContainers.image',
    );
  }
}

export class EngineCommandError extends PreviewContainersError {
  readonly code = 'engineCommand';
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly exitCode: number | undefined,
  ) {
    super(`The container engine failed (${command}, exit code ${exitCode ?? '?'}): ${firstLine(stderr)}`, ['showLogs', 'retry']);
  }
}

export class ContainerRuntimeError extends PreviewContainersError {
  readonly code = 'containerRuntime';
  constructor(appId: string, detail: string) {
    super(
      `The container runtime could not start ${appId}: ${firstLine(detail)}. Check the command (previewContainers.apps) and the image, then retry.`,
      ['showLogs', 'openSettings', 'retry'],
      'previewContainers.apps',
    );
  }
}

export class AppStartError extends PreviewContainersError {
  readonly code = 'appStart';
  constructor(
    readonly appId: string,
    reason: string,
    readonly logLines: readonly string[],
    actions: readonly ErrorAction[] = ['showLogs', 'retry'],
  ) {
    // The headline (what a notification shows) names the cause: the log's own line that says what
    // went wrong, not its last lines. The log follows for Show Logs and the tooltip.
    const cause = causeLine(logLines);
    const headline = `${appId} did not start: ${reason}${cause === undefined ? '' : ` It says: ${cause}`}`;
    const log = logLines.length > 0 ? `\nLog (last ${logLines.length} lines):\n${logLines.join('\n')}` : ' (it printed nothing)';
    super(`${headline}${log}`, actions);
  }
}

/** The app listens where the published port cannot reach it (another port, or loopback only). */
export class AppListenError extends AppStartError {
  constructor(
    appId: string,
    reason: string,
    logLines: readonly string[],
    /** The port it does listen on (reachably), which "Use port N" switches to; undefined for loopback-only. */
    readonly listenedPort: number | undefined,
  ) {
    super(appId, reason, logLines, listenedPort === undefined ? ['showLogs', 'retry'] : ['useListenedPort', 'showLogs', 'retry']);
  }
}

/** A Dockerfile app's image build failed: which step, what it printed. */
export class ImageBuildError extends PreviewContainersError {
  readonly code = 'imageBuild';
  constructor(
    readonly appId: string,
    /** `STEP 4/6: RUN pip install -r requirements.txt`, when the engine said which step failed. */
    readonly step: string | undefined,
    detail: string,
    readonly logLines: readonly string[],
  ) {
    const tail = logLines.length > 0 ? `\nLast output${step ? ' of the step' : ''}:\n${logLines.slice(-15).join('\n')}` : '';
    super(`The image build of ${appId} failed${step ? ` at ${step}` : ''}: ${firstLine(detail)}.${tail}`, ['showLogs', 'retry']);
  }
}

/** A base image a Dockerfile builds FROM is not there, and may not (or could not) be pulled. */
export class BaseImageMissingError extends PreviewContainersError {
  readonly code = 'baseImageMissing';
  constructor(
    readonly appId: string,
    readonly images: readonly string[],
    readonly dockerfile: string,
    readonly reason: 'pullNever' | 'pullFailed',
    engine: string,
    detail?: string,
  ) {
    const names = images.map((image) => `"${image}"`).join(', ');
    const first = images[0] ?? '';
    super(
      reason === 'pullNever'
        ? `The Dockerfile of ${appId} (${dockerfile}) builds on ${names}, not available locally, and previewContainers.pullPolicy is "never". ` +
            `Pull or build ${images.length > 1 ? 'them' : 'it'} first (e.g. "${engine} pull ${first}"), or set the pull policy to "missing".`
        : `The Dockerfile of ${appId} (${dockerfile}) builds on ${names}, which could not be pulled: ${firstLine(detail ?? '')}. ` +
            `Check the network and the image name in the Dockerfile, or make the image locally ("${engine} build -t ${first} …").`,
      ['openSettings', 'retry'],
      'previewContainers.pullPolicy',
    );
  }
}

export class PortConflictError extends PreviewContainersError {
  readonly code = 'portConflict';
  constructor(appId: string, ports: readonly number[]) {
    super(
      `The engine refused every port tried for ${appId} (${ports.join(', ')}): they are in use outside the editor. ` +
        'Free them or change previewContainers.portRange, then retry.',
      ['openSettings', 'retry'],
      'previewContainers.portRange',
    );
  }
}

/** An app folder that cannot be mounted: missing, not a folder, or outside the workspace. */
export class AppFolderError extends PreviewContainersError {
  readonly code = 'appFolder';
  constructor(appId: string, problem: string) {
    super(`${appId} cannot start: ${problem}`, ['openSettings'], 'previewContainers.apps');
  }
}

export class CancelledError extends PreviewContainersError {
  readonly code = 'cancelled';
  constructor(what: string) {
    super(`${what} was cancelled.`);
  }
}

export class UntrustedWorkspaceError extends PreviewContainersError {
  readonly code = 'untrusted';
  constructor() {
    super('Preview Containers only runs containers in trusted workspaces: they execute the workspace’s own code. Trust this workspace to continue.');
  }
}

function firstLine(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^time=".*level=(warning|info)/.test(l))
    .pop();
  return (line ?? 'no details').replace(/^Error:\s*/, '').replace(/\.$/, '');
}

export class RemoteEngineLoopbackError extends PreviewContainersError {
  readonly code = 'remoteLoopback';
  constructor(host: string, bindAddress: string) {
    super(
      `The container engine runs on ${host}, where ports published on ${bindAddress} cannot be reached from this machine. ` +
        `Open the folder with VS Code Remote (SSH) on ${host} (recommended: the engine is then local to the extension), ` +
        'or set previewContainers.bindAddress to an address your network can reach there.',
      ['openSettings'],
      'previewContainers.bindAddress',
    );
  }
}
