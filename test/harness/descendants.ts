import { promises as fs } from 'node:fs';

/** A process as /proc tells it: its parent and its program. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
}

async function info(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const command = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
    return { pid, ppid, command };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Every living process whose ancestry leads to `root` (by ppid, never by name). */
export async function descendantsOf(root: number): Promise<ProcessInfo[]> {
  const all = (await Promise.all((await fs.readdir('/proc')).filter((name) => /^\d+$/.test(name)).map((name) => info(Number(name))))).filter(
    (p): p is ProcessInfo => p !== undefined,
  );
  const result: ProcessInfo[] = [];
  let frontier = new Set([root]);
  while (frontier.size > 0) {
    const next = all.filter((p) => frontier.has(p.ppid));
    result.push(...next);
    frontier = new Set(next.map((p) => p.pid));
  }
  return result;
}

/** Whether the process still exists and is not a zombie waiting for its parent. */
export async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
