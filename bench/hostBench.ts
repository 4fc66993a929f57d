import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { LABEL_PATH } from '../src/core/engine/labels';
import type { Janitor } from './podman';
import { inMs, measured, type Row } from './report';
import type { ActivateResult, HostConfig, IdleResult } from './stubHost';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BUNDLE = path.join(REPO_ROOT, 'dist', 'extension.js');

type HostMessage = ActivateResult | IdleResult | { kind: 'error'; message: string };

/**
 * Runs the stub host in a child process until it reports, then tells it to deactivate and waits
 * for it to end (killing it by PID if it does not).
 */
async function runHost<T extends ActivateResult | IdleResult>(janitor: Janitor, config: Omit<HostConfig, 'bundle' | 'extensionRoot' | 'storageDir'>): Promise<T> {
  const storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-bench-storage-'));
  const full: HostConfig = { ...config, bundle: BUNDLE, extensionRoot: REPO_ROOT, storageDir };
  const child = fork(path.join(__dirname, 'stubHost.js'), [], { env: { ...process.env, BENCH_HOST: JSON.stringify(full) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  janitor.process(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let reported = false;
  try {
    const message = await new Promise<HostMessage>((resolve, reject) => {
      child.once('message', (m) => resolve(m as HostMessage));
      child.once('exit', (code) => reject(new Error(`the stub host exited (${code ?? '?'}) before reporting`)));
    });
    if (message.kind === 'error') {
      throw new Error(`the stub host failed: ${message.message}`);
    }
    child.send('dispose');
    reported = true;
    return message as T;
  } finally {
    if (!reported && child.exitCode === null) {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    janitor.processEnded(child.pid);
    await fs.rm(storageDir, { recursive: true, force: true });
  }
}

export interface HostSettings {
  readonly workspaceRoot: string;
  readonly settings: Record<string, unknown>;
}

/** P6: the production bundle's size, and require + activate() in fresh processes. */
export async function benchActivation(janitor: Janitor, target: HostSettings, reps: number): Promise<Row[]> {
  const bundle = await fs.readFile(BUNDLE);
  const kb = bundle.length / 1024;
  const warm: ActivateResult[] = [];
  const cold: ActivateResult[] = [];
  for (let i = 0; i < reps; i++) {
    for (const preloadBuiltins of [true, false]) {
      const result = await runHost<ActivateResult>(janitor, { mode: 'activate', ...target, expectRunning: 0, idleMs: 0, windowMs: 0, preloadBuiltins });
      (preloadBuiltins ? warm : cold).push(result);
    }
  }
  const total = inMs(warm.map((r) => r.requireMs + r.activateMs));
  const coldTotal = inMs(cold.map((r) => r.requireMs + r.activateMs));
  const median = (values: number[]): string => inMs(values).summary.median.toFixed(1);
  return [
    {
      id: 'P6a',
      what: 'bundle size of production dist/extension.js',
      ours: `${kb.toFixed(1)} KB (gzip ${(gzipSync(bundle).length / 1024).toFixed(1)} KB)`,
      baseline: '–',
      versus: '',
      target: '≤ 250 KB',
      ok: kb <= 250,
    },
    {
      id: 'P6b',
      what: 'require(bundle) + activate(), stub host, Node built-ins loaded (as in an extension host)',
      ours: total,
      baseline: '–',
      versus: `require ${median(warm.map((r) => r.requireMs))} + activate ${median(warm.map((r) => r.activateMs))} ms`,
      target: '≤ 30 ms',
      ok: total.summary.median <= 30,
    },
    {
      id: 'P6c',
      what: 'the same in a bare `node` (built-ins loaded by the bundle itself)',
      ours: coldTotal,
      baseline: '–',
      versus: `require ${median(cold.map((r) => r.requireMs))} + activate ${median(cold.map((r) => r.activateMs))} ms`,
      target: '(informative)',
      ok: undefined,
    },
  ];
}

export interface IdleFigures {
  readonly rows: Row[];
  readonly details: string[];
}

/** P5: CPU of the extension's process over `idleMs` with the running apps adopted and shown. */
export async function benchIdleCpu(engine: ContainerEngine, janitor: Janitor, target: HostSettings, expectRunning: number, idleMs: number): Promise<IdleFigures> {
  const windowMs = 10_000;
  // What else happened meanwhile: every managed container's events reach the extension, also
  // those of other workspaces (on this machine: other suites' containers).
  const watching = new AbortController();
  let events = 0;
  let foreign = 0;
  const watcher = engine.events((event) => {
    events++;
    if (!event.labels[LABEL_PATH]?.startsWith(`${target.workspaceRoot}${path.sep}`)) {
      foreign++;
    }
  }, watching.signal);
  let result: IdleResult;
  try {
    result = await runHost<IdleResult>(janitor, { mode: 'idle', ...target, expectRunning, idleMs, windowMs, preloadBuiltins: false });
  } finally {
    watching.abort();
    await watcher;
  }
  const wall = result.windows.reduce((sum, w) => sum + w.wallMs, 0);
  const cpu = result.windows.reduce((sum, w) => sum + w.cpuMs, 0);
  const percent = (ms: number): number => (100 * ms) / wall;
  const perWindow = measured(result.windows.map((w) => (100 * w.cpuMs) / w.wallMs), '%');
  const reaped = result.end.reapedChildrenMs - result.start.reapedChildrenMs;
  const live = Object.entries(result.end.liveChildren).map(([pid, end]) => {
    const before = result.start.liveChildren[Number(pid)];
    return { pid, command: end.command, ms: end.ms - (before?.ms ?? 0), whole: before === undefined };
  });
  const liveMs = live.reduce((sum, c) => sum + c.ms, 0);
  const seconds = (wall / 1000).toFixed(0);
  const rows: Row[] = [
    {
      id: 'P5',
      what: `CPU of the extension's process, ${seconds} s idle, ${expectRunning} apps running`,
      ours: `${percent(cpu).toFixed(3)} % (${cpu.toFixed(0)} ms); ${(wall / result.windows.length / 1000).toFixed(0)}-s windows ${perWindow.summary.min.toFixed(3)}–${perWindow.summary.max.toFixed(3)} %`,
      baseline: '–',
      versus: '',
      target: '≤ 0.5 % of one core',
      ok: percent(cpu) <= 0.5,
    },
    {
      id: 'P5c',
      what: 'its child processes, same window (separate processes)',
      ours: `${percent(reaped + liveMs).toFixed(2)} %: engine CLI calls ${percent(reaped).toFixed(2)} %, event stream ${percent(liveMs).toFixed(2)} %`,
      baseline: '–',
      versus: '',
      target: '(informative)',
      ok: undefined,
    },
  ];
  const details = [
    `P5: ${events} events of managed containers while the host ran, ${foreign} of them from other workspaces (only events of its own apps trigger an observe pass).`,
    `P5: engine CLI calls during the window: ${Object.entries(result.engineCalls).map(([call, n]) => `${n}× \`${call}\``).join(', ') || 'none'}; ${result.treeRenders} tree renders; apps shown running ${(result.settleMs / 1000).toFixed(1)} s after activate().`,
    ...live.map((c) => `P5: live child ${c.pid} \`${c.command}\`: ${c.ms} ms CPU in the window${c.whole ? ' (started during it)' : ''}.`),
    ...result.warnings.slice(0, 5).map((w) => `P5 warning: ${w}`),
  ];
  return { rows, details };
}
