/**
 * `npm run bench`: how close "Run App Container" gets to the engine's own floor, on this machine,
 * against real podman and the local test image. Prints one table; every figure is set beside its
 * baseline measured in the same run. Bounded (a watchdog ends it at 25 minutes) and self-cleaning.
 *
 * P1–P3 run on podman and on docker side by side (docker: the tests' own dockerd, started and stopped
 * here); BENCH_ENGINES=podman leaves docker out; BENCH_ONLY=starts runs only P1–P3.
 *
 * Knobs: BENCH_QUICK=1 (fewer repetitions, 15 s idle: for trying the bench, not for recording),
 * BENCH_ONLY=P8 (only the whole UI path, code-server + Chromium),
 * BENCH_VERBOSE=1 (the stub host's warnings), BENCH_JSON=<file> (the rows as JSON too).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { detectEngine } from '../src/core/engine/detectEngine';
import { execaExec, execaStream } from '../src/core/engine/exec';
import { TEST_IMAGE } from '../test/engine/helpers';
import { RecordingLogger } from '../test/unit/helpers';
import { benchAllocator } from './allocatorBench';
import { benchConcurrentStarts, benchSingleStart, DOCKER_POOLS, P3_POOL, PODMAN_POOLS, type EngineBenchContext } from './engineBench';
import { benchExternalStop } from './eventBench';
import { startBenchDockerd, type BenchDockerd } from './dockerBench';
import { benchActivation, benchIdleCpu, BUNDLE, type HostSettings } from './hostBench';
import { benchSourceMirror } from './mirrorBench';
import { engineVersion, Janitor } from './podman';
import { benchPreviewPath } from './previewBench';
import { benchDockerfileApp } from './dockerfileBench';
import { benchSharedCache } from './realAppBench';
import { renderTable, type Row } from './report';

const WATCHDOG_MS = 25 * 60 * 1000;
const quick = process.env.BENCH_QUICK === '1';
const REPS = {
  single: quick ? 3 : 7,
  concurrent: quick ? 1 : 3,
  stops: quick ? 3 : 7,
  activations: quick ? 3 : 10,
  allocations: quick ? 100 : 200,
  idleMs: quick ? 15_000 : 60_000,
  apps: 20,
  cachePairs: quick ? 1 : 3,
  mirrorStarts: quick ? 1 : 3,
  preview: quick ? 3 : 7,
  dockerfile: quick ? 1 : 3,
};
const only = process.env.BENCH_ONLY;

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${cpus.length} CPUs (${cpus[0]?.model ?? '?'}), Node ${process.version}, load average ${load}`;
}

/** Every row but P8-only runs: the order leaves P6 and P5 their time before the watchdog. */
async function everyRow(ctx: EngineBenchContext, started: number): Promise<{ rows: Row[]; details: string[] }> {
  const { engine, janitor } = ctx;
  log('allocator at scale');
  const allocator = await benchAllocator(janitor, REPS.allocations);
  log('P1/P2 podman: one app');
  const single = await benchSingleStart(ctx, REPS.single);
  log('P4: external stop');
  const stop = await benchExternalStop(ctx, REPS.stops);
  log('P8: palette Run → the page in the preview tab (code-server + Chromium)');
  const preview = await benchPreviewPath(engine, janitor, REPS.preview, log);
  log('P7: the shared package cache, real templates');
  const cache = await benchSharedCache(engine, janitor, REPS.cachePairs, log);
  log('M1/M2: the source mirror against a plain read-write bind');
  const mirror = await benchSourceMirror(engine, janitor, REPS.mirrorStarts, log);
  log('P9: a Dockerfile app, cold and warm');
  const dockerfile = await benchDockerfileApp(engine, janitor, REPS.dockerfile, log);
  log(`P3 podman: ${REPS.apps} apps`);
  // Leave P6 and P5 their time before the watchdog.
  const p3Deadline = started + WATCHDOG_MS - REPS.idleMs - 150_000;
  const many = await benchConcurrentStarts(ctx, REPS.apps, REPS.concurrent, p3Deadline);
  // P5 and P6 run the real activate() on the workspace whose apps P3 left running.
  const target: HostSettings = {
    workspaceRoot: many.workspace.root,
    settings: {
      'previewContainers.image': TEST_IMAGE,
      'previewContainers.pullPolicy': 'never',
      'previewContainers.engine': 'podman',
      'previewContainers.portRange.start': P3_POOL.start,
      'previewContainers.portRange.end': P3_POOL.end,
      // The reaper still lists every 30 s, but never stops anything (it would reap other
      // people's long-running containers on a shared machine: it acts on every managed one).
      'previewContainers.idleTimeoutMinutes': 10080,
    },
  };
  log('P6: bundle, require + activate');
  const activation = await benchActivation(janitor, target, REPS.activations);
  log(`P5: ${REPS.idleMs / 1000} s idle with ${many.running.length} apps running`);
  const idle = await benchIdleCpu(engine, janitor, target, many.running.length, REPS.idleMs);
  return {
    rows: [...single.rows, ...many.rows, ...stop.rows, ...idle.rows, ...activation, ...allocator.rows, ...cache.rows, ...preview.rows, ...mirror.rows, ...dockerfile.rows],
    details: [...single.details, ...many.details, ...stop.details, ...idle.details, ...allocator.details, ...cache.details, ...preview.details, ...mirror.details, ...dockerfile.details],
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  await fs.access(BUNDLE).catch(() => {
    throw new Error(`${BUNDLE} is missing: run \`npm run bench\` (it builds the production bundle first)`);
  });
  const engine = await detectEngine({ choice: 'podman', enginePath: undefined, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });
  if (!(await engine.imageExists(TEST_IMAGE))) {
    throw new Error(`the test image ${TEST_IMAGE} is missing (run: npm run setup)`);
  }
  const janitor = new Janitor(engine);
  let docker: BenchDockerd | undefined;
  const abort = (why: string, code: number): void => {
    log(`${why}: cleaning up`);
    void Promise.allSettled([janitor.cleanUp(), docker?.stop()]).finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  const watchdog = setTimeout(() => abort(`still running after ${WATCHDOG_MS / 60_000} minutes`, 1), WATCHDOG_MS);

  const atStart = machine();
  const version = await engineVersion('podman');
  log(`${atStart}; ${version}${quick ? '; QUICK run (not for recording)' : ''}`);
  const rows: Row[] = [];
  const details: string[] = [];
  const ctx: EngineBenchContext = { engine, janitor, log, pools: PODMAN_POOLS };
  try {
    if (only === 'P8') {
      log('P8 only: palette Run → the page in the preview tab');
      const preview = await benchPreviewPath(engine, janitor, REPS.preview, log);
      rows.push(...preview.rows);
      details.push(...preview.details);
    } else {
      if (process.env.BENCH_ENGINES !== 'podman') {
        log('docker: the bench dockerd');
        docker = await startBenchDockerd(log);
        const figures = await startsOn({ engine: docker.engine, janitor: docker.janitor, log, pools: DOCKER_POOLS }, started + WATCHDOG_MS / 4);
        rows.push(...figures.rows);
        details.push(...figures.details, `Docker: ${docker.version}.`);
        await docker.stop();
        docker = undefined;
      }
      const all = only === 'starts' ? await startsOn(ctx, started + WATCHDOG_MS / 2) : await everyRow(ctx, started);
      rows.push(...all.rows);
      details.push(...all.details);
    }
  } finally {
    clearTimeout(watchdog);
    log('cleaning up');
    await Promise.allSettled([janitor.cleanUp(), docker?.stop()]);
  }
  const out = [
    renderTable(rows),
    '',
    ...details.map((d) => `- ${d}`),
    '',
    `Machine: ${atStart} at the start; ${machine()} at the end. ${version}. Image ${TEST_IMAGE}. ${((Date.now() - started) / 1000).toFixed(0)} s in all.`,
  ].join('\n');
  process.stdout.write(`${out}\n`);
  if (process.env.BENCH_JSON) {
    await fs.writeFile(process.env.BENCH_JSON, JSON.stringify({ rows, details, machineAtStart: atStart, podman: version }, null, 2));
  }
}

/** P1 and P3 of one engine, nothing left running. */
async function startsOn(ctx: EngineBenchContext, p3Deadline: number): Promise<{ rows: Row[]; details: string[] }> {
  log(`P1/P2 ${ctx.engine.kind}: one app`);
  const single = await benchSingleStart(ctx, REPS.single);
  log(`P3 ${ctx.engine.kind}: ${REPS.apps} apps`);
  const many = await benchConcurrentStarts(ctx, REPS.apps, REPS.concurrent, p3Deadline);
  await ctx.janitor.removeContainers(many.running);
  return { rows: [...single.rows, ...many.rows], details: [...single.details, ...many.details] };
}

main().catch((error: unknown) => {
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
