/**
 * The line of a failed start's log that says what went wrong — the one a person would point at —
 * rather than the last lines (usually a stack tail, or npm's "A complete log of this run…").
 */

/** Lines that name a cause, strongest first. */
const CAUSES: readonly RegExp[] = [
  /\bERR_PNPM_[A-Z_]+\b/,
  /^npm (error|ERR!) (notarget|ERESOLVE|404|missing script)\b/i,
  /^npm (error|ERR!) (code|E\d{3}|ENOENT|EACCES)\b/i,
  /\bEADDRINUSE\b|address already in use/i,
  /^\s*(Uncaught )?([A-Z]\w*)?Error(\s\[[A-Z_]+\])?: /,
  /\bYN\d{4}\b.*(error|not found|failed|cannot)/i,
  /^error[: ]/i,
  /\b(Cannot find module|command not found|not found|No such file or directory|Permission denied|ENOENT|EACCES)\b/i,
  /\b(fatal|FATAL|panic)\b/,
];

/** Noise around the cause: stack frames, npm's log pointers, empty decoration. */
const NOISE: readonly RegExp[] = [
  /^\s+at\s/,
  /^npm (error|ERR!) (A complete log|Log files|errno|signal|path|command failed|command sh|syscall)\b/i,
  /^npm (error|ERR!)\s*$/i,
  /^\s*[│|^~\-=]+\s*$/,
  /^\s*(Node\.js v\d|node:internal)/,
];

const MAX = 240;

/** The first line that names the cause, trimmed and cut to one readable line; undefined if none does. */
export function causeLine(lines: readonly string[]): string | undefined {
  const candidates = lines.map((l) => stripAnsi(l).trim()).filter((l) => l !== '' && !NOISE.some((n) => n.test(l)));
  for (const pattern of CAUSES) {
    const found = candidates.find((l) => pattern.test(l));
    if (found !== undefined) {
      return found.length > MAX ? `${found.slice(0, MAX)}…` : found;
    }
  }
  return undefined;
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}
