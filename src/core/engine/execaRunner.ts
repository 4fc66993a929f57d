import { execa } from 'execa';
import type { Exec, ExecResult, ExecStream } from './exec';
import { hostBoundCommand, watcherSpawnError } from './hostBoundChild';
import { TailBuffer } from './tailBuffer';

function toResult(result: {
  stdout?: unknown;
  stderr?: unknown;
  all?: unknown;
  exitCode?: number | undefined;
  failed?: boolean;
  code?: string | undefined;
  timedOut?: boolean;
  isCanceled?: boolean;
}): ExecResult {
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return {
    stdout: text(result.stdout),
    stderr: text(result.stderr),
    all: text(result.all),
    exitCode: result.exitCode,
    spawnError: result.failed && result.exitCode === undefined && !result.isCanceled && !result.timedOut ? (result.code ?? 'spawn failed') : undefined,
    timedOut: result.timedOut ?? false,
    cancelled: result.isCanceled ?? false,
  };
}

// LC_ALL=C: engine messages we classify are matched in English.
const ENV = { LC_ALL: 'C' };

/** What a short command may print on stderr (an error message, not a log): more is cut, not kept. */
const EXEC_STDERR_LIMIT = 1024 * 1024;

/**
 * The watcher gives its program 2 s after a SIGTERM, then kills it; the watcher itself is killed
 * only after that, else an orphaned program would keep the output pipes (and this call) open.
 */
const WATCHER_KILL_DELAY_MS = 3000;

/** A long-lived child runs under the host-death watcher; its stdin is the watcher's lifeline (see hostBoundChild.ts). */
function spawnFor(file: string, args: readonly string[], endsWithHost: boolean) {
  if (!endsWithHost) {
    return { file, args: [...args], env: ENV, stdin: 'ignore' as const };
  }
  const bound = hostBoundCommand(file, args);
  return { file: bound.file, args: bound.args, env: { ...ENV, ...bound.env }, stdin: 'pipe' as const };
}

/** The watcher reports a program it could not start as a line on stderr. */
function withSpawnError(result: ExecResult, endsWithHost: boolean): ExecResult {
  const code = endsWithHost && result.exitCode === 127 ? watcherSpawnError(result.stderr) : undefined;
  return code ? { ...result, spawnError: code, exitCode: undefined } : result;
}

export const execaExec: Exec = async (file, args, options = {}) => {
  const endsWithHost = options.endsWithHost ?? false;
  const spawn = spawnFor(file, args, endsWithHost);
  const result = await execa(spawn.file, spawn.args, {
    reject: false,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    all: options.all ?? false,
    stdin: spawn.stdin,
    env: spawn.env,
    maxBuffer: { stdout: 100 * 1024 * 1024, stderr: EXEC_STDERR_LIMIT },
    forceKillAfterDelay: endsWithHost ? WATCHER_KILL_DELAY_MS : 2000,
  });
  return withSpawnError(toResult(result), endsWithHost);
};

export const execaStream: ExecStream = async (file, args, onLine, options) => {
  const from = options.from ?? 'stdout';
  const spawn = spawnFor(file, args, true);
  const subprocess = execa(spawn.file, spawn.args, {
    reject: false,
    cancelSignal: options.signal,
    // Never buffer what is streamed (logs and events run for days); stderr only as a bounded tail.
    buffer: false,
    all: from === 'all',
    stdin: spawn.stdin,
    env: spawn.env,
    forceKillAfterDelay: WATCHER_KILL_DELAY_MS,
  });
  if (subprocess.pid !== undefined) {
    options.onSpawn?.(subprocess.pid);
  }
  const stderr = new TailBuffer();
  if (from === 'stdout') {
    subprocess.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  }
  try {
    for await (const line of subprocess.iterable({ from })) {
      onLine(line);
    }
  } catch {
    // Cancellation or a failed process ends the iteration; the result below says which.
  }
  const result = toResult(await subprocess);
  return withSpawnError({ ...result, stderr: stderr.text().replace(/\r?\n$/, '') }, true);
};
