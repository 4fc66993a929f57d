/**
 * Child process: the production bundle activated against the stub `vscode` host and real podman.
 * `activate` mode times require + activate() (P6); `idle` mode waits until the Apps tree shows the
 * running apps, then measures the CPU this process (and, separately, its children) uses while
 * idle (P5). Configured by the BENCH_HOST environment variable; results go to the parent over IPC.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { host, installVscodeStub, memento, Uri } from './vscodeStub';

export interface HostConfig {
  readonly mode: 'activate' | 'idle';
  readonly bundle: string;
  readonly extensionRoot: string;
  readonly workspaceRoot: string;
  readonly storageDir: string;
  readonly settings: Record<string, unknown>;
  /** idle: how many apps must show as running before measuring. */
  readonly expectRunning: number;
  readonly idleMs: number;
  readonly windowMs: number;
  /**
   * Load the Node built-ins the bundle uses before timing: an extension host has them loaded
   * long before any extension activates, a fresh `node` has not.
   */
  readonly preloadBuiltins: boolean;
}

export interface ActivateResult {
  readonly kind: 'activate';
  readonly requireMs: number;
  readonly activateMs: number;
}

/** CPU seconds (user + system) from /proc, in ms. */
export interface ProcCpu {
  readonly selfMs: number;
  /** Children that have ended and been waited for (short engine CLI calls). */
  readonly reapedChildrenMs: number;
  /** Children alive now (the `podman events` stream), by PID. */
  readonly liveChildren: Record<number, { readonly command: string; readonly ms: number }>;
}

export interface IdleResult {
  readonly kind: 'idle';
  readonly settleMs: number;
  /** process.cpuUsage() of this process per window, ms of CPU. */
  readonly windows: { readonly wallMs: number; readonly cpuMs: number }[];
  readonly start: ProcCpu;
  readonly end: ProcCpu;
  /** Engine CLI calls during the window, by subcommand and flags. */
  readonly engineCalls: Record<string, number>;
  readonly treeRenders: number;
  readonly warnings: string[];
}

const TICK_MS = 10; // USER_HZ is 100 on Linux.

function statCpu(pid: number | 'self'): { own: number; children: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) … utime(11) stime(12) cutime(13) cstime(14).
    const num = (i: number): number => Number(fields[i] ?? 0);
    return { own: (num(11) + num(12)) * TICK_MS, children: (num(13) + num(14)) * TICK_MS };
  } catch {
    return undefined;
  }
}

export function procCpu(): ProcCpu {
  const self = statCpu('self') ?? { own: 0, children: 0 };
  const liveChildren: Record<number, { command: string; ms: number }> = {};
  for (const task of readdirSync('/proc/self/task')) {
    let children: string[];
    try {
      children = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      continue;
    }
    for (const child of children.map(Number)) {
      const cpu = statCpu(child);
      if (cpu) {
        const command = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').slice(0, 3).join(' ');
        liveChildren[child] = { command, ms: cpu.own };
      }
    }
  }
  return { selfMs: self.own, reapedChildrenMs: self.children, liveChildren };
}

/** `podman ps -a --filter label=… --format json → 0 (83 ms)` counted as `ps -a --filter`. */
function countCalls(lines: readonly [string, string][]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [level, text] of lines) {
    const call = level === 'debug' ? / (?:podman|docker) (.*) → /.exec(text)?.[1] : undefined;
    if (call) {
      const key = call.split(' ').filter((word) => !word.includes('=') && !word.startsWith('{') && !/^[0-9a-f]{12,}$/.test(word) && word !== 'json').join(' ');
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function preloadBuiltins(bundle: string): void {
  for (const [, name] of bundle.matchAll(/require\("([^"]+)"\)/g)) {
    if (name && (name.startsWith('node:') || builtinModules.includes(name))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(name);
    }
  }
}

interface Extension {
  activate(context: unknown): void;
}

function contextFor(config: HostConfig): { subscriptions: { dispose(): unknown }[] } & Record<string, unknown> {
  return {
    subscriptions: [],
    globalState: memento(),
    workspaceState: memento(),
    globalStorageUri: Uri.file(config.storageDir),
    extensionUri: Uri.file(config.extensionRoot),
    extensionPath: config.extensionRoot,
    extensionMode: 1,
  };
}

function running(): number {
  const items = host.trees.get('previewContainers.apps') ?? [];
  return items.filter((item) => item.description?.endsWith('running')).length;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_HOST ?? '{}') as HostConfig;
  installVscodeStub();
  host.settings = config.settings;
  host.workspaceFolders = [{ uri: Uri.file(config.workspaceRoot), name: 'bench', index: 0 }];
  host.verbose = process.env.BENCH_VERBOSE === '1';
  const context = contextFor(config);
  if (config.preloadBuiltins) {
    preloadBuiltins(readFileSync(config.bundle, 'utf8'));
  }

  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(config.bundle) as Extension;
  const t1 = performance.now();
  extension.activate(context);
  const t2 = performance.now();

  if (config.mode === 'activate') {
    send({ kind: 'activate', requireMs: t1 - t0, activateMs: t2 - t1 } satisfies ActivateResult);
  } else {
    const deadline = Date.now() + 60_000;
    while (running() < config.expectRunning && Date.now() < deadline) {
      await sleep(50);
    }
    if (running() < config.expectRunning) {
      throw new Error(`only ${running()} of ${config.expectRunning} apps showed as running`);
    }
    const settleMs = performance.now() - t2;
    // Let the activation's own passes (adoption, first reconcile) finish before measuring idle.
    await sleep(3000);
    const logStart = host.log.length;
    const rendersStart = host.treeRenders;
    const start = procCpu();
    const windows: { wallMs: number; cpuMs: number }[] = [];
    for (let elapsed = 0; elapsed < config.idleMs; elapsed += config.windowMs) {
      const cpu = process.cpuUsage();
      const wall = performance.now();
      await sleep(config.windowMs);
      const used = process.cpuUsage(cpu);
      windows.push({ wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 });
    }
    const end = procCpu();
    const lines = host.log.slice(logStart);
    send({
      kind: 'idle',
      settleMs,
      windows,
      start,
      end,
      engineCalls: countCalls(lines),
      treeRenders: host.treeRenders - rendersStart,
      warnings: lines.filter(([level]) => level === 'warn' || level === 'error').map(([, text]) => text),
    } satisfies IdleResult);
  }
  // Deactivate like the host does on shutdown; the process then ends when in-flight engine calls do.
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  for (const disposable of context.subscriptions) {
    disposable.dispose();
  }
  process.disconnect?.();
}

function send(message: ActivateResult | IdleResult): void {
  process.send?.(message);
}

main().catch((error: unknown) => {
  process.send?.({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
