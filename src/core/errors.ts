import * as l10n from '@vscode/l10n';
import { causeLine } from './logCause';

/**
 * Errors a user can meet. Each names the cause and the next step, and says which follow-up
 * actions make sense, so the UI can offer them as buttons without parsing messages.
 */
export type ErrorAction = 'showLogs' | 'openSettings' | 'retry' | 'releasePort' | 'releaseUnusedPorts' | 'installEngine' | 'useListenedPort';

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
    super(l10n.t('Setting "{0}" is invalid: {1}', setting, problem), ['openSettings'], setting);
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
    const more = holders.length > shown.length ? l10n.t(' and {0} more', holders.length - shown.length) : '';
    const held = holders.length > 0 ? l10n.t(' Leased: {0}{1}.', shown.join(', '), more) : '';
    super(
      l10n.t('The port pool is full: all {0} ports of {1}–{2} are leased or in use by other processes.{3} ', size, start, end, held) +
        l10n.t('Release the ports of deleted or long-unused apps ("Preview Containers: Release Unused Ports"), release one ("Release App Port"), or widen previewContainers.portRange.start/end.'),
      ['releaseUnusedPorts', 'releasePort', 'openSettings'],
      'previewContainers.portRange',
    );
  }
}

export class LockTimeoutError extends PreviewContainersError {
  readonly code = 'lockTimeout';
  constructor(lockPath: string) {
    super(
      l10n.t('Another VS Code window is holding the port allocation lock ({0}) for too long. Try again; if it persists, close other windows or delete that lock folder.', lockPath),
      ['retry'],
    );
  }
}

/**
 * This window held the port lock but may no longer: it stalled past the lock's stale time and
 * another window may have taken it over. Nothing was written; the allocator retries with the lock
 * taken again, so a user only sees this when that keeps happening.
 */
export class LockLostError extends PreviewContainersError {
  readonly code = 'lockLost';
  constructor(detail: string) {
    super(`The port allocation lock was lost (${detail}). Nothing was changed; try again.`, ['retry']);
  }
}

export class EngineNotFoundError extends PreviewContainersError {
  readonly code = 'engineNotFound';
  constructor(tried: readonly string[]) {
    super(
      l10n.t('No container engine found (tried {0}). Install podman (Debian/Ubuntu: "sudo apt-get install -y podman runc") or Docker, or point previewContainers.enginePath at the binary.', tried.join(', ')),
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
        ? l10n.t('Start the Docker engine (e.g. "sudo systemctl start docker" or Docker Desktop)')
        : l10n.t('Check "podman info" in a terminal (on macOS/Windows: "podman machine start")');
    super(l10n.t('{0} is installed but its engine is not answering: {1}. {2}, or choose another engine in previewContainers.engine.', engine, firstLine(detail), hint), ['retry', 'openSettings'], 'previewContainers.engine');
  }
}

export class ImageMissingError extends PreviewContainersError {
  readonly code = 'imageMissing';
  constructor(readonly image: string) {
    super(
      l10n.t('Image "{0}" is not available locally and previewContainers.pullPolicy is "never". Pull or build it first (e.g. "podman pull {0}"), or set the pull policy to "missing".', image),
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
      l10n.t('Could not pull image "{0}": {1}. Check the network and the image name (previewContainers.image), or use a local image with pull policy "never".', image, firstLine(detail)),
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
    super(l10n.t('The container engine failed ({0}, exit code {1}): {2}', command, exitCode ?? '?', firstLine(stderr)), ['showLogs', 'retry']);
  }
}

export class ContainerRuntimeError extends PreviewContainersError {
  readonly code = 'containerRuntime';
  constructor(appId: string, detail: string) {
    super(
      l10n.t('The container runtime could not start {0}: {1}. Check the command (previewContainers.apps) and the image, then retry.', appId, firstLine(detail)),
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
    // went wrong, not its last lines. The log follows for Show Logs and the tooltip. Colour codes
    // belong in the log terminal, not in a notification.
    const plain = logLines.map(withoutAnsi);
    const cause = causeLine(plain);
    const headline = l10n.t('{0} did not start: {1}', appId, reason) + (cause === undefined ? '' : l10n.t(' It says: {0}', cause));
    const log = logLines.length > 0 ? `\n${l10n.t('Log (last {0} lines):', plain.length)}\n${plain.join('\n')}` : l10n.t(' (it printed nothing)');
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
      l10n.t('The engine refused every port tried for {0} ({1}): they are in use outside the editor. Free them or change previewContainers.portRange, then retry.', appId, ports.join(', ')),
      ['openSettings', 'retry'],
      'previewContainers.portRange',
    );
  }
}

/** An app folder that cannot be mounted: missing, not a folder, or outside the workspace. */
export class AppFolderError extends PreviewContainersError {
  readonly code = 'appFolder';
  constructor(appId: string, problem: string) {
    super(l10n.t('{0} cannot start: {1}', appId, problem), ['openSettings'], 'previewContainers.apps');
  }
}

export class CancelledError extends PreviewContainersError {
  readonly code = 'cancelled';
  constructor(what: string) {
    super(l10n.t('{0} was cancelled.', what));
  }
}

export class UntrustedWorkspaceError extends PreviewContainersError {
  readonly code = 'untrusted';
  constructor() {
    super(l10n.t('Preview Containers only runs containers in trusted workspaces: they execute the workspace’s own code. Trust this workspace to continue.'));
  }
}

/** Text as a terminal would leave it: no escape sequences (colours, cursor moves), each line's last `\r` overwrite. */
export function withoutAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]/g, '');
  return plain
    .split('\n')
    .map((line) => line.split('\r').filter((part) => part !== '').pop() ?? '')
    .join('\n');
}

function firstLine(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^time=".*level=(warning|info)/.test(l))
    .pop();
  return (line ?? l10n.t('no details')).replace(/^Error:\s*/, '').replace(/\.$/, '');
}

export class RemoteEngineLoopbackError extends PreviewContainersError {
  readonly code = 'remoteLoopback';
  constructor(host: string, bindAddress: string) {
    super(
      l10n.t('The container engine runs on {0}, where ports published on {1} cannot be reached from this machine. Open the folder with VS Code Remote (SSH) on {0} (recommended: the engine is then local to the extension), or set previewContainers.bindAddress to an address your network can reach there.', host, bindAddress),
      ['openSettings'],
      'previewContainers.bindAddress',
    );
  }
}
