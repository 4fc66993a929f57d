export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as printed (only when asked for with `all`). */
  readonly all: string;
  readonly exitCode: number | undefined;
  /** Set when the process could not be started at all, e.g. `ENOENT`. */
  readonly spawnError: string | undefined;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
}

export interface ExecOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly all?: boolean;
  /** A long-lived call (`wait`): it runs under the host-death watcher, so it never outlives the extension host. */
  readonly endsWithHost?: boolean;
}

/** Runs a program with an argument array (never a shell) and collects its output. */
export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** Runs a long-lived program, calling `onLine` for each output line, until it ends, is cancelled, or the host dies. */
export type ExecStream = (
  file: string,
  args: readonly string[],
  onLine: (line: string) => void,
  options: {
    readonly signal: AbortSignal;
    readonly from?: 'stdout' | 'all';
    /** The process id once it runs: a build is cancelled by ending the processes it started (see processTree.ts). */
    readonly onSpawn?: (pid: number) => void;
  },
) => Promise<ExecResult>;

type Runner = typeof import('./execaRunner');
let runner: Runner | undefined;

/**
 * execa (with its dependencies, half of the extension's code) is loaded on the first engine call,
 * not while VS Code activates the extension: the bundle keeps it in a file of its own
 * (dist/execaRunner.js, see esbuild.mjs).
 */
function load(): Runner {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  runner ??= require('./execaRunner') as Runner;
  return runner;
}

export const execaExec: Exec = (file, args, options) => load().execaExec(file, args, options);

export const execaStream: ExecStream = (file, args, onLine, options) => load().execaStream(file, args, onLine, options);
