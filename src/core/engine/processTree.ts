import { readdirSync, readFileSync } from 'node:fs';

/**
 * The processes a process started (children, their children, …), read from Linux's /proc.
 *
 * Why: podman 4.3 does not clean up after a `podman build` that is itself ended (SIGTERM or
 * SIGINT): the build's working containers stay in storage, mounted (recorded in
 * test/fixtures/podman-4.3/build-cancel-*). Ending the processes the *step* runs instead (the
 * RUN's runtime and command, COPY's copier) makes the step fail; podman then removes its working
 * containers itself (`--force-rm`) and exits. Only descendants of the build process we started
 * are touched, by pid.
 */

/** `pid → parent pid` of every process; injected in tests. */
export type ProcessTable = () => ReadonlyMap<number, number>;

export const procTable: ProcessTable = () => {
  const parents = new Map<number, number>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return parents; // no /proc (macOS, Windows): no descendants to end; the caller falls back
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      // `pid (comm) state ppid …`; comm may hold spaces and parentheses: read after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (Number.isInteger(ppid)) {
        parents.set(Number(name), ppid);
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return parents;
};

/** Every descendant of `pid`, parents before children. */
export function descendantsOf(pid: number, table: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of table) {
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const result: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    if (!result.includes(next)) {
      result.push(next);
      queue.push(...(children.get(next) ?? []));
    }
  }
  return result;
}

/** Sends SIGKILL to every descendant of `pid` (not to `pid` itself); returns how many were signalled. */
export function killDescendants(pid: number, table: ProcessTable = procTable, kill: (pid: number, signal: NodeJS.Signals) => void = (target, signal) => process.kill(target, signal)): number {
  let count = 0;
  for (const child of descendantsOf(pid, table())) {
    try {
      kill(child, 'SIGKILL');
      count++;
    } catch {
      // Already gone.
    }
  }
  return count;
}

/** argv[0] of a process (empty when it is gone or unreadable). */
function programOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
}

/**
 * The process that runs `binary`: `pid` itself, or its child when `pid` is the host-death watcher
 * (hostBoundChild.ts) that started it. Undefined when neither is (it ended meanwhile).
 */
export function engineProcessOf(pid: number, binary: string, table: ProcessTable = procTable, program: (pid: number) => string = programOf): number | undefined {
  const isEngine = (candidate: number): boolean => {
    const name = program(candidate);
    return name === binary || name.endsWith(`/${binary.split('/').pop() ?? binary}`);
  };
  if (isEngine(pid)) {
    return pid;
  }
  return [...table()].find(([child, parent]) => parent === pid && isEngine(child))?.[0];
}
