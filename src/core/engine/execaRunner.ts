import { execa } from 'execa';
import type { Exec, ExecResult, ExecStream } from './exec';

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

export const execaExec: Exec = async (file, args, options = {}) => {
  const result = await execa(file, [...args], {
    reject: false,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    all: options.all ?? false,
    stdin: 'ignore',
    env: ENV,
    forceKillAfterDelay: 2000,
  });
  return toResult(result);
};

export const execaStream: ExecStream = async (file, args, onLine, options) => {
  const from = options.from ?? 'stdout';
  const subprocess = execa(file, [...args], {
    reject: false,
    cancelSignal: options.signal,
    // Never buffer what is streamed (logs can run for days); keep stderr to explain an early end.
    buffer: from === 'all' ? false : { stdout: false, stderr: true },
    all: from === 'all',
    stdin: 'ignore',
    env: ENV,
    forceKillAfterDelay: 2000,
  });
  if (subprocess.pid !== undefined) {
    options.onSpawn?.(subprocess.pid);
  }
  try {
    for await (const line of subprocess.iterable({ from })) {
      onLine(line);
    }
  } catch {
    // Cancellation or a failed process ends the iteration; the result below says which.
  }
  return toResult(await subprocess);
};
