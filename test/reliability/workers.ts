import { fork, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Lease } from '../../src/core/leaseStore';
import { stopGroup } from '../harness/processGroup';
import type { ReconcileReport } from '../../src/core/reconciler';
import type { AppOutcome, ParentMessage, WorkerConfig, WorkerMessage } from './workerProtocol';

const WORKER_MODULE = path.join(__dirname, 'worker.js');

export interface WorkerResult {
  readonly outcomes: readonly AppOutcome[];
  readonly reports: readonly ReconcileReport[];
  readonly leases: readonly Lease[];
}

/** A forked worker (worker.ts): one window in its own process. */
export class WorkerProcess {
  readonly outcomes: AppOutcome[] = [];
  readonly ready: Promise<void>;
  readonly result: Promise<WorkerResult>;
  readonly exited: Promise<number | string>;
  private output = '';

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => (this.output += text));
    }
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    let onReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.result = new Promise((resolve, reject) => {
      child.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'ready':
            onReady();
            break;
          case 'outcome':
            this.outcomes.push(message.outcome);
            break;
          case 'done':
            resolve(message);
            break;
          case 'fatal':
            reject(new Error(`worker ${name} failed: ${message.error.name}: ${message.error.message}\n${this.output}`));
            break;
        }
      });
      void this.exited.then((code) => reject(new Error(`worker ${name} exited (${code}) without a result\n${this.output}`)));
    });
    // The ready promise must not hang a test whose worker died before it was ready.
    void this.result.catch(() => onReady());
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get log(): string {
    return this.output;
  }

  go(): void {
    const message: ParentMessage = { type: 'go' };
    this.child.send(message);
  }

  /** `kill -9` of the window's process alone (what a crash does: children it started live on). */
  async kill9(): Promise<void> {
    if (this.running) {
      process.kill(this.pid, 'SIGKILL');
    }
    await this.exited;
  }

  /** Stops the worker's whole process group (it leads one): it and any engine CLI it started. */
  async stopGroup(): Promise<void> {
    await stopGroup(this.pid, 1000);
    await this.exited;
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** Every worker a test file starts; `killAll` (in `afterEach`) stops them and what they started, by process group. */
export class Workers {
  private readonly started: WorkerProcess[] = [];

  constructor(private readonly configDir: () => string) {}

  async start(config: WorkerConfig): Promise<WorkerProcess> {
    const file = path.join(this.configDir(), `worker-${config.name}.json`);
    await fs.writeFile(file, JSON.stringify(config));
    // Its own process group, so cleanup can stop it with everything it started, by PID.
    const child = fork(WORKER_MODULE, [file], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [], detached: true });
    const worker = new WorkerProcess(config.name, child);
    this.started.push(worker);
    return worker;
  }

  /** Starts every window, lets them all go at the same moment, and collects their results. */
  async runTogether(configs: readonly WorkerConfig[]): Promise<{ results: WorkerResult[]; wallMs: number }> {
    const workers = await Promise.all(configs.map((config) => this.start(config)));
    await Promise.all(workers.map((w) => w.ready));
    const started = Date.now();
    for (const worker of workers) {
      worker.go();
    }
    const results = await Promise.all(workers.map((w) => w.result));
    return { results, wallMs: Date.now() - started };
  }

  async killAll(): Promise<void> {
    for (const worker of this.started.splice(0)) {
      await worker.stopGroup();
    }
  }
}

export async function waitForFile(file: string, timeoutMs: number, worker?: WorkerProcess): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`${file} did not appear within ${timeoutMs} ms${worker ? `\n--- ${worker.name} output ---\n${worker.log}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
