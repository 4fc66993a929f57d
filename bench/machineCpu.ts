import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Linux's USER_HZ (`getconf CLK_TCK`): /proc/stat counts in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * Busy CPU milliseconds of the whole machine since boot (every process: the apps, the engine, its
 * proxies, the controller), from /proc/stat's first line. The difference over a round says how much
 * of the machine the round used, so a round's floor on this machine can be computed, not guessed.
 */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const fields = line.trim().split(/\s+/);
  // cpu user nice system idle iowait irq softirq steal …: all but idle and iowait are busy.
  const [user, nice, system, , , irq, softirq, steal] = fields.slice(1).map(Number);
  const busy = [user, nice, system, irq, softirq, steal];
  if (fields[0] !== 'cpu' || busy.some((n) => n === undefined || Number.isNaN(n))) {
    throw new Error(`unexpected first line of /proc/stat: ${line}`);
  }
  const ticks = busy.reduce<number>((sum, n) => sum + (n ?? 0), 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** The machine's cores, for "CPU ÷ cores = the least wall time this work can take". */
export const machineCores = availableParallelism;

/** What `work` returned, and the CPU milliseconds while it ran: the whole machine's and this process's own (the controller's, in the bench). */
export interface BusyCpu<T> {
  readonly result: T;
  readonly machineMs: number;
  readonly ownMs: number;
}

export async function busyDuring<T>(work: () => Promise<T>): Promise<BusyCpu<T>> {
  const machine = machineBusyMs();
  const own = process.cpuUsage();
  const result = await work();
  const ownUsed = process.cpuUsage(own);
  return { result, machineMs: machineBusyMs() - machine, ownMs: (ownUsed.user + ownUsed.system) / 1000 };
}
