/**
 * Errors a user can meet. Each names the cause and the next step, and says which follow-up
 * actions make sense, so the UI can offer them as buttons without parsing messages.
 */
export type ErrorAction = 'showLogs' | 'openSettings' | 'retry' | 'releasePort' | 'installEngine';

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
