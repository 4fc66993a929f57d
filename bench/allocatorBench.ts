import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PortAllocator } from '../src/core/portAllocator';
import { TcpPortProbe } from '../src/core/portProbe';
import { AT_SCALE, benchApp, makeBenchAllocator, FIRST_FREE, SEEDED_LEASES, SMALL, type Scale } from './allocatorSetup';
import type { WorkerResult } from './allocatorWorker';
import type { Janitor } from './podman';
import { formatValue, type Row } from './report';
import { summarize } from './stats';

/** Latency of `allocate` (ms) over `count` calls, after a few unmeasured ones; `after` is not timed. */
async function latencies(count: number, allocate: (i: number) => Promise<unknown>, after: (i: number) => Promise<unknown> = () => Promise.resolve()): Promise<number[]> {
  for (let i = -10; i < 0; i++) {
    await allocate(i);
    await after(i);
  }
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await allocate(i);
    samples.push(performance.now() - started);
    await after(i);
  }
  return samples;
}

/** A new app each time, its lease released afterwards (not timed), so the table stays the same size. */
function newAppAllocations(allocator: PortAllocator, count: number): Promise<number[]> {
  return latencies(
    count,
    (i) => allocator.allocatePort(benchApp(`new-${i}`)),
    (i) => allocator.releasePort(benchApp(`new-${i}`)),
  );
}

async function stickyAllocations(allocator: PortAllocator, count: number): Promise<number[]> {
  const app = benchApp('sticky');
  await allocator.allocatePort(app);
  return latencies(count, () => allocator.allocatePort(app));
}

function p50p99(samples: readonly number[]): string {
  const s = summarize(samples);
  return `p50 ${formatValue(s.median, 'ms')} / p99 ${formatValue(s.p99, 'ms')} ms n=${s.n}`;
}

function ratioOfMedians(ours: readonly number[], baseline: readonly number[]): string {
  const a = summarize(ours).median;
  const b = summarize(baseline).median;
  return `${(a / b).toFixed(1)}× (${a >= b ? '+' : '−'}${formatValue(Math.abs(a - b), 'ms')} ms)`;
}

function allocatorRow(id: string, what: string, ours: readonly number[], baseline: readonly number[], baselineName: string): Row {
  return { id, what, ours: p50p99(ours), baseline: `${p50p99(baseline)} (${baselineName})`, versus: ratioOfMedians(ours, baseline), target: '(informative)', ok: undefined };
}

/** Issue 17: allocation cost flat in the table size, within 2× of the empty table's median. */
function withinTwice(row: Row, ours: readonly number[], baseline: readonly number[]): Row {
  return { ...row, target: '≤ 2× the empty table', ok: summarize(ours).median <= 2 * summarize(baseline).median };
}

interface Contention {
  readonly latenciesMs: number[];
  readonly duplicates: number;
  readonly wallMs: number;
}

/** `processes` workers, each with its own memento, allocating through one lock folder and journal. */
async function contend(janitor: Janitor, processes: number, perProcess: number): Promise<Contention> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-bench-lock-'));
  try {
    const workers = Array.from({ length: processes }, (_, i) =>
      fork(path.join(__dirname, 'allocatorWorker.js'), [], {
        env: { ...process.env, BENCH_LOCK_DIR: dir, BENCH_WORKER: String(i), BENCH_ALLOCATIONS: String(perProcess) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    workers.forEach((w) => janitor.process(w.pid));
    const exits = workers.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    const results = workers.map(
      (w) =>
        new Promise<WorkerResult>((resolve, reject) => {
          w.on('message', (m) => m !== 'ready' && resolve(m as WorkerResult));
          w.once('exit', (code) => reject(new Error(`an allocator worker exited (${code ?? '?'}) before reporting`)));
        }),
    );
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve()))));
    const started = performance.now();
    workers.forEach((w) => w.send('go'));
    const all = await Promise.all(results);
    const wallMs = performance.now() - started;
    await Promise.all(exits);
    workers.forEach((w) => janitor.processEnded(w.pid));
    const ports = all.flatMap((r) => r.ports);
    return { latenciesMs: all.flatMap((r) => r.latenciesMs), duplicates: ports.length - new Set(ports).size, wallMs };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const at = (scale: Scale, probe?: TcpPortProbe): PortAllocator => makeBenchAllocator({ scale, ...(probe ? { probe } : {}) });

/** A1/A2 samples: a new app and the sticky path, at 5 000 leases and with an empty table (no engine, no real port). */
export async function tableScaling(count: number): Promise<{ fakeSmall: number[]; fakeScale: number[]; stickySmall: number[]; stickyScale: number[] }> {
  return {
    fakeSmall: await newAppAllocations(at(SMALL), count),
    fakeScale: await newAppAllocations(at(AT_SCALE), count),
    stickySmall: await stickyAllocations(at(SMALL), count),
    stickyScale: await stickyAllocations(at(AT_SCALE), count),
  };
}

export async function benchAllocator(janitor: Janitor, count: number): Promise<{ rows: Row[]; details: string[] }> {
  const { fakeSmall, fakeScale, stickySmall, stickyScale } = await tableScaling(count);
  const realScale = await newAppAllocations(at(AT_SCALE, new TcpPortProbe('127.0.0.1')), count);
  const perProcess = 25;
  const single = await contend(janitor, 1, perProcess);
  const eight = await contend(janitor, 8, perProcess);
  const scale = `10 000-port pool, ${SEEDED_LEASES} leases`;
  return {
    rows: [
      withinTwice(allocatorRow('A1', `new app, ${scale}, fake probe`, fakeScale, fakeSmall, '101-port pool, no leases'), fakeScale, fakeSmall),
      withinTwice(allocatorRow('A2', `sticky re-allocation, ${scale}`, stickyScale, stickySmall, '101-port pool, no leases'), stickyScale, stickySmall),
      allocatorRow('A3', `new app, ${scale}, real TcpPortProbe (127.0.0.1 + ::1 on ${FIRST_FREE})`, realScale, fakeScale, 'same, fake probe'),
      {
        ...allocatorRow('A4', `8 processes × ${perProcess} new apps, FileLock + FileLeaseJournal, ${scale}`, eight.latenciesMs, single.latenciesMs, '1 process'),
        target: '0 duplicate ports',
        ok: eight.duplicates + single.duplicates === 0,
      },
    ],
    details: [
      `A4: 8 processes finished ${8 * perProcess} allocations in ${eight.wallMs.toFixed(0)} ms (${((8 * perProcess) / (eight.wallMs / 1000)).toFixed(0)}/s); 1 process did ${perProcess} in ${single.wallMs.toFixed(0)} ms; duplicate ports: ${eight.duplicates}.`,
    ],
  };
}
