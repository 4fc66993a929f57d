/** What the trust probe extension (trustProbe.ts) and the trust test share; no `vscode` import. */
export const PROBE_OUT_ENV = 'TRUST_PROBE_OUT';
/**
 * A file holding the JSON list of [command, app folder name] to try, in order (read at each start).
 * A command `api.<method>` calls that method of the extension's public API instead.
 */
export const PROBE_ATTEMPTS_ENV = 'TRUST_PROBE_ATTEMPTS_FILE';

export interface ProbeAttempt {
  readonly command: string;
  readonly argument: string;
  readonly outcome: 'resolved' | 'rejected';
  readonly result?: unknown;
  readonly error?: string;
}

export interface ProbeReport {
  readonly isTrusted: boolean;
  readonly extensionActive: boolean | undefined;
  readonly commandsBefore: readonly string[];
  readonly attempts: readonly ProbeAttempt[];
}

export const EXTENSION_ID = 'preview-containers.preview-containers';
export const API_PREFIX = 'api.';
