import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { delay } from './timing';

/** A process started as the leader of its own process group, so everything it forks can be stopped with it. */
export interface GroupProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the leader has exited. */
  readonly exited: Promise<number | string>;
}

export interface SpawnGroupOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with every chunk of stdout and stderr. */
  readonly onOutput?: (text: string) => void;
  /** Name for HARNESS_PID_LOG (default: the command's base name). */
  readonly label?: string;
}

export async function spawnGroup(command: string, args: readonly string[], options: SpawnGroupOptions = {}): Promise<GroupProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  // spawn reports a missing executable asynchronously: wait for either 'spawn' or 'error'.
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error) => reject(new Error(`cannot start ${command}: ${error.message}`)));
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (text: string) => options.onOutput?.(text));
  }
  if (child.pid === undefined) {
    throw new Error(`cannot start ${command}: no pid`);
  }
  recordPid(options.label ?? path.basename(command), child.pid);
  return { pid: child.pid, child, exited };
}

/**
 * Appends "<label> <pid>" to the file named by HARNESS_PID_LOG, if set, so a CI job (or a person)
 * can check afterwards, by PID, that nothing the harness started is still running.
 */
export function recordPid(label: string, pid: number): void {
  const file = process.env['HARNESS_PID_LOG'];
  if (file) {
    appendFileSync(file, `${label} ${pid}\n`);
  }
}

interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

async function allProcesses(): Promise<ProcStat[]> {
  const names = await fs.readdir('/proc');
  const stats = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readStat(Number(n))));
  return stats.filter((s): s is ProcStat => s !== undefined);
}

/**
 * Live (non-zombie) members of a process group. Zombies are ignored: on this machine kind PID 1
 * does not always reap orphans, and a zombie holds no resources.
 */
export async function liveGroupMembers(pgid: number): Promise<number[]> {
  return (await allProcesses()).filter((p) => p.pgrp === pgid && p.state !== 'Z').map((p) => p.pid);
}

/** Live direct children of a process. */
export async function liveChildren(ppid: number): Promise<number[]> {
  return (await allProcesses()).filter((p) => p.ppid === ppid && p.state !== 'Z').map((p) => p.pid);
}

export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

async function waitForGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await liveGroupMembers(pgid)).length === 0) {
      return true;
    }
    if (Date.now() > deadline) {
      return false;
    }
    await delay(100);
  }
}

/**
 * Stops a whole process group by its leader's PID: SIGTERM, then SIGKILL after `graceMs`, and waits
 * until no live member is left. Throws when something survives SIGKILL.
 */
export async function stopGroup(pgid: number, graceMs = 5000): Promise<void> {
  if ((await liveGroupMembers(pgid)).length === 0) {
    return;
  }
  signalGroup(pgid, 'SIGTERM');
  if (await waitForGroupGone(pgid, graceMs)) {
    return;
  }
  signalGroup(pgid, 'SIGKILL');
  if (!(await waitForGroupGone(pgid, 5000))) {
    throw new Error(`process group ${pgid} survived SIGKILL: ${(await liveGroupMembers(pgid)).join(', ')}`);
  }
}
