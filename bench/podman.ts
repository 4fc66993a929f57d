import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import type { AppRef } from '../src/core/appIdentity';
import type { ResolvedAppConfig } from '../src/core/appFolder';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { CONTAINER_APP_DIR } from '../src/core/engine/runArgs';
import { SOURCE_DIR } from '../src/core/sourceMirror';
import { answers } from '../src/core/readiness';
import type { TestWorkspace } from '../test/engine/helpers';
import { containersUnder, removeContainers } from '../test/harness/containers';
import { epochMs } from './stats';

/** Marks the baseline's raw containers, so even a `run` that died before printing its id is found again. */
const BENCH_LABEL = 'previewContainers.bench';

/**
 * Everything the bench starts, to be removed however it ends: containers by id (raw ones found by
 * this run's own label value, ours through their workspaces), processes by PID.
 */
export class Janitor {
  readonly token = randomBytes(6).toString('hex');
  private readonly containerIds = new Set<string>();
  private readonly workspaces = new Set<TestWorkspace>();
  private readonly pids = new Set<number>();
  private cleaning: Promise<void> | undefined;

  constructor(readonly engine: ContainerEngine) {}

  get rawLabel(): string {
    return `${BENCH_LABEL}=${this.token}`;
  }

  container(id: string): void {
    this.containerIds.add(id);
  }

  workspace(workspace: TestWorkspace): TestWorkspace {
    this.workspaces.add(workspace);
    return workspace;
  }

  process(pid: number | undefined): void {
    if (pid !== undefined) {
      this.pids.add(pid);
    }
  }

  processEnded(pid: number | undefined): void {
    if (pid !== undefined) {
      this.pids.delete(pid);
    }
  }

  /** Removes the given containers now (one engine call, by id, no stop grace). */
  async removeContainers(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    await removeContainers(ids, this.engine).catch(() => undefined);
    for (const id of ids) {
      this.containerIds.delete(id);
    }
  }

  /** Idempotent; safe to call from a signal handler and from `finally`. */
  cleanUp(): Promise<void> {
    this.cleaning ??= this.doCleanUp();
    return this.cleaning;
  }

  private async doCleanUp(): Promise<void> {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    // Raw baseline containers carry this run's label; ours carry the path of a bench workspace.
    const labelled = await execa(this.engine.binary, ['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=${this.rawLabel}`], { reject: false, stdin: 'ignore' });
    const ours = (await Promise.all([...this.workspaces].map((w) => containersUnder(this.engine, w.root).catch(() => [])))).flat();
    const ids = [...this.containerIds, ...labelled.stdout.split('\n').filter((id) => /^[0-9a-f]{64}$/.test(id)), ...ours.map((c) => c.id)];
    await this.removeContainers([...new Set(ids)]);
    for (const workspace of this.workspaces) {
      // The containers are gone; this removes the folders.
      await workspace.cleanUp(undefined).catch(() => undefined);
    }
  }
}

/**
 * The engine's floor: a plain `<engine> run -d -p` of the same image, folder, command and
 * environment the controller would use (`resolveAppConfig`), with none of our other flags.
 */
export async function rawRun(janitor: Janitor, app: AppRef, port: number, config: Pick<ResolvedAppConfig, 'image' | 'command' | 'env' | 'containerPort'>): Promise<string> {
  const env = { ...config.env, PORT: String(config.containerPort), HOST: '0.0.0.0' };
  const args = [
    'run',
    '--detach',
    '--label',
    janitor.rawLabel,
    '--publish',
    `127.0.0.1:${port}:${config.containerPort}`,
    // Mounted as the controller mounts it (read-only; the command's source mirror copies it).
    '--volume',
    `${app.folder}:${SOURCE_DIR}:ro`,
    '--workdir',
    CONTAINER_APP_DIR,
    ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    config.image,
    ...config.command,
  ];
  const binary = janitor.engine.binary;
  const result = await execa(binary, args, { reject: false, stdin: 'ignore', env: { LC_ALL: 'C' } });
  const id = result.stdout.trim().split('\n').pop() ?? '';
  if (result.exitCode !== 0 || !/^[0-9a-f]{64}$/.test(id)) {
    throw new Error(`${binary} run failed: ${result.stderr || result.stdout}`);
  }
  janitor.container(id);
  return id;
}

/** A tight poll (1 ms between attempts) until any HTTP answer; resolves with the epoch time it came. */
export async function pollUntilAnswering(port: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers('127.0.0.1', port)) {
      return epochMs();
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`nothing answered on port ${port} within ${timeoutMs} ms`);
}

/** The epoch time (ms) the test app printed when its server started listening. */
export async function listeningAt(binary: string, containerId: string): Promise<number> {
  const { stdout } = await execa(binary, ['logs', containerId], { reject: false, stdin: 'ignore' });
  const match = /listening at (\d+(?:\.\d+)?)/.exec(stdout);
  if (!match?.[1]) {
    throw new Error(`container ${containerId.slice(0, 12)} printed no "listening at" line`);
  }
  return Number(match[1]);
}

export async function engineVersion(binary: string): Promise<string> {
  const { stdout } = await execa(binary, ['--version'], { reject: false, stdin: 'ignore' });
  return stdout.trim();
}
