/**
 * Long-lived engine children (`events`, `logs -f`, `wait`, `pull`) must end when the extension
 * host dies, even by SIGKILL: Node cannot set PR_SET_PDEATHSIG, so such a child runs under this
 * tiny watcher (the host's own Node, ELECTRON_RUN_AS_NODE), whose stdin is a pipe from the host.
 * When the host dies the pipe closes, and the watcher kills the engine CLI and exits. A SIGTERM
 * (cancellation) is passed on the same way. The script is a constant: the program and its
 * arguments travel as argv, never through a shell.
 */
export const WATCHER_SCRIPT = [
  "'use strict';",
  "const { spawn } = require('node:child_process');",
  'const [file, ...args] = process.argv.slice(1);',
  "const child = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });",
  'let ending = false;',
  'const end = (signal) => {',
  '  if (ending) return;',
  '  ending = true;',
  '  child.kill(signal);',
  "  setTimeout(() => child.kill('SIGKILL'), 2000).unref();",
  '};',
  "process.stdin.on('end', () => end('SIGTERM')).on('close', () => end('SIGTERM')).on('error', () => end('SIGTERM')).resume();",
  "process.on('SIGTERM', () => end('SIGTERM'));",
  "process.on('SIGINT', () => end('SIGTERM'));",
  "child.on('error', (error) => { process.stderr.write(`spawn ${file} ${error.code ?? error.message}\\n`); process.exit(127); });",
  "child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 1) : 1)));",
].join('\n');

/** The watcher's spawn: the program, its argv and what the environment adds. */
export function hostBoundCommand(file: string, args: readonly string[], node = process.execPath): { file: string; args: string[]; env: Record<string, string> } {
  return { file: node, args: ['-e', WATCHER_SCRIPT, file, ...args], env: { ELECTRON_RUN_AS_NODE: '1' } };
}

/** The watcher's way to say the program could not be started (exit 127 with this line). */
export function watcherSpawnError(stderr: string): string | undefined {
  return /^spawn \S+ (E[A-Z]+)$/m.exec(stderr)?.[1];
}
