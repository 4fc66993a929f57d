import { appendFileSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import type { AppRef } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { isOurs, LABEL_PATH } from '../../src/core/engine/labels';
import type { ContainerSummary } from '../../src/core/engine/types';
import { TestWorkspace } from '../engine/helpers';
import { removeDependencyVolumes } from '../harness/containers';

// Shared with every layer; re-exported here where the reliability tests look for them.
export { containersUnder, removeContainers } from '../harness/containers';
import type { SharedState } from './window';

/**
 * A temp workspace of apps plus the shared state of the windows working on it. `cleanUp` removes
 * every container labelled with one of its folders (by id) and every folder it made.
 */
export class ReliabilityWorkspace {
  private constructor(
    readonly apps: TestWorkspace,
    readonly shared: SharedState,
    readonly scratch: string,
  ) {}

  static async create(label: string): Promise<ReliabilityWorkspace> {
    const apps = await TestWorkspace.create(`pc-rel-${label}`);
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), `pc-rel-${label}-state-`));
    const storageDir = path.join(scratch, 'globalStorage');
    await fs.mkdir(storageDir);
    return new ReliabilityWorkspace(apps, { storageDir, stateFile: path.join(scratch, 'globalState.log') }, scratch);
  }

  get root(): string {
    return this.apps.root;
  }

  /** `count` apps named `<prefix>-0…`, each answering `/name` with its own name. */
  async addApps(prefix: string, count: number): Promise<AppRef[]> {
    const refs: AppRef[] = [];
    for (let i = 0; i < count; i++) {
      refs.push(await this.apps.addApp(`${prefix}-${i}`));
    }
    return refs;
  }

  async cleanUp(engine: ContainerEngine | undefined): Promise<void> {
    try {
      await this.apps.cleanUp(engine);
      if (engine) {
        await removeDependencyVolumes(this.apps.apps, engine);
      }
    } finally {
      await fs.rm(this.root, { recursive: true, force: true }); // if apps.cleanUp failed first
      await fs.rm(this.scratch, { recursive: true, force: true });
    }
  }
}

/**
 * The engine as a machine would show it where only this workspace's apps exist: our containers of
 * other folders (other suites running at the same time) are left out of every list, so the
 * figures of a reconciler under test count only this test's containers (the product leaves other
 * workspaces' containers alone anyway). Foreign containers stay visible: their ports still count.
 */
export function scopedEngine(engine: ContainerEngine, root: string): ContainerEngine {
  const inScope = (c: ContainerSummary): boolean => !isOurs(c.labels) || (c.labels[LABEL_PATH] ?? '').startsWith(root + path.sep);
  const list = async (options: { readonly all: boolean; readonly ours: boolean }): Promise<ContainerSummary[]> => (await engine.list(options)).filter(inScope);
  return Object.assign(Object.create(engine) as ContainerEngine, { list });
}

/** Container `start` events of one app folder since `since` (ms), from podman's event log. */
export async function startEvents(folder: string, since: number): Promise<number> {
  const { stdout } = await execa('podman', [
    'events',
    '--stream=false',
    '--since',
    new Date(since - 1000).toISOString(),
    '--format',
    'json',
    '--filter',
    'type=container',
    '--filter',
    'event=start',
    '--filter',
    `label=${LABEL_PATH}=${folder}`,
  ]);
  return stdout.split('\n').filter((line) => line.trim() !== '').length;
}

export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
  readonly pids: readonly number[];
  readonly line: string;
}

/** The OS socket table: every listening TCP socket (`ss -Hltnp`). */
export async function listeningSockets(): Promise<ListeningSocket[]> {
  const { stdout } = await execa('ss', ['-Hltnp']);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const local = line.trim().split(/\s+/)[3] ?? '';
      const split = local.lastIndexOf(':');
      return {
        address: local.slice(0, split).replace(/^\[|\]$/g, ''),
        port: Number(local.slice(split + 1)),
        pids: [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])),
        line: line.trim(),
      };
    });
}

export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || address === '::ffff:127.0.0.1';
}

/**
 * One line per measured figure, printed with the test output; also appended as JSON to the file
 * named by RELIABILITY_FIGURES, when set (docs/RELIABILITY.md is written from those).
 */
export function figure(check: string, values: Readonly<Record<string, unknown>>): void {
  console.log(`      ▸ ${check}: ${Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
  const file = process.env['RELIABILITY_FIGURES'];
  if (file) {
    appendFileSync(file, `${JSON.stringify({ check, ...values, at: new Date().toISOString() })}\n`);
  }
}

/** Median ms at which outcomes reached the progress stage starting with `prefix`. */
export function stageMedian(outcomes: readonly { stages: readonly (readonly [string, number])[] }[], prefix: string): number | undefined {
  const times = outcomes.flatMap((o) => o.stages.filter(([stage]) => stage.startsWith(prefix)).map(([, ms]) => ms)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function duplicatesOf<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const value of values) {
    (seen.has(value) ? dup : seen).add(value);
  }
  return [...dup];
}
