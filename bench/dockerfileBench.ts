/**
 * P8: a Dockerfile app (the Python fixture, test/fixtures/apps/python-dockerfile) through the
 * AppController — cold (the image built: its COPY and RUN steps miss the layer cache) and warm (the
 * app stopped, the image current: no build) — beside the engine's floor measured in the same run:
 * a raw `podman build` + `podman run -d -p` + polling until it answers. Each repetition edits the
 * app's server.py (a comment of its own) for ours and for the raw build alike, so both miss the
 * cache from the same step. Host ports 37630–37639. Runs inside `npm run bench`, or alone:
 * `node out/bench/dockerfileBench.js`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { discoverApps } from '../src/core/appDiscovery';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { LABEL_BUILT_FOR } from '../src/core/engine/labels';
import { makeController, PYTHON_IMAGE, TestWorkspace } from '../test/engine/helpers';
import type { Figures } from './engineBench';
import type { Janitor } from './podman';
import { runStandalone } from './standalone';
import { inMs, versus, type Row } from './report';

const P9_POOL = { start: 37630, end: 37638 };
/** The raw baseline's port: outside the controller's pool, so the two never meet. */
const RAW_PORT = 37639;
const FIXTURE = path.resolve(__dirname, '../../test/fixtures/apps/python-dockerfile');

interface Sample {
  readonly coldMs: number;
  readonly warmMs: number;
  readonly rawColdMs: number;
  readonly rawWarmMs: number;
}

async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(1000) })).text();
    return true;
  } catch {
    return false;
  }
}

/** Polls as tightly as the controller's readiness probe does at first (every 10 ms). */
async function pollUntilAnswering(url: string, deadline = Date.now() + 60_000): Promise<void> {
  while (!(await answers(url))) {
    if (Date.now() > deadline) {
      throw new Error(`${url} never answered`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `podman build` + `podman run` + poll (cold), then `podman run` + poll of the built image (warm). */
async function rawSample(janitor: Janitor, folder: string, rep: number): Promise<{ coldMs: number; warmMs: number }> {
  const tag = `localhost/pc-bench-raw-${janitor.token}:${rep}`;
  const url = `http://127.0.0.1:${RAW_PORT}/`;
  const runAndPoll = async (): Promise<void> => {
    const { stdout } = await execa('podman', ['run', '--detach', '--label', janitor.rawLabel, '--publish', `127.0.0.1:${RAW_PORT}:8000`, tag], { stdin: 'ignore' });
    janitor.container(stdout.trim());
    await pollUntilAnswering(url);
    await execa('podman', ['rm', '--force', '--time', '0', stdout.trim()], { stdin: 'ignore' });
  };
  try {
    const t0 = Date.now();
    await execa('podman', ['build', '--pull=never', '-t', tag, folder], { stdin: 'ignore' });
    await runAndPoll();
    const coldMs = Date.now() - t0;
    const t1 = Date.now();
    await runAndPoll();
    return { coldMs, warmMs: Date.now() - t1 };
  } finally {
    await execa('podman', ['rmi', '--force', tag], { reject: false, stdin: 'ignore' });
  }
}

async function oneSample(engine: ContainerEngine, janitor: Janitor, rep: number): Promise<Sample> {
  const workspace = janitor.workspace(await TestWorkspace.create('pc-bench-p8'));
  const folder = path.join(workspace.root, 'api');
  await fs.cp(FIXTURE, folder, { recursive: true });
  const [def] = await discoverApps([{ name: 'bench', path: workspace.root }], []);
  if (!def) {
    throw new Error('the Python fixture was not discovered');
  }
  workspace.apps.push(def.ref);
  const { controller, stopEvents } = makeController(engine, { ...P9_POOL, settings: { startupTimeoutSeconds: 120 }, events: true });
  try {
    await fs.appendFile(path.join(folder, 'server.py'), `# ours ${janitor.token} ${rep}\n`);
    const t0 = Date.now();
    janitor.container((await controller.run(def)).containerId);
    const coldMs = Date.now() - t0;
    await controller.stop(def.ref);
    const t1 = Date.now();
    janitor.container((await controller.run(def)).containerId);
    const warmMs = Date.now() - t1;
    await controller.release(def.ref);
    await fs.appendFile(path.join(folder, 'server.py'), `# raw ${janitor.token} ${rep}\n`);
    const raw = await rawSample(janitor, folder, rep);
    return { coldMs, warmMs, rawColdMs: raw.coldMs, rawWarmMs: raw.warmMs };
  } finally {
    await stopEvents();
    await workspace.cleanUp(engine);
    for (const image of await engine.listImages({ key: LABEL_BUILT_FOR, value: def.ref.key }).catch(() => [])) {
      await engine.removeImage(image.tags[0] ?? image.id).catch(() => undefined);
    }
  }
}

export async function benchDockerfileApp(engine: ContainerEngine, janitor: Janitor, reps: number, log: (line: string) => void): Promise<Figures> {
  if (!(await engine.imageExists(PYTHON_IMAGE))) {
    throw new Error(`the Python base image ${PYTHON_IMAGE} is missing (run: npm run setup)`);
  }
  const samples: Sample[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const sample = await oneSample(engine, janitor, rep);
    log(`P8: cold ${sample.coldMs} ms (raw ${sample.rawColdMs}), warm ${sample.warmMs} ms (raw ${sample.rawWarmMs})`);
    samples.push(sample);
  }
  const pick = (key: keyof Sample) => inMs(samples.map((s) => s[key]));
  const [cold, rawCold, warm, rawWarm] = [pick('coldMs'), pick('rawColdMs'), pick('warmMs'), pick('rawWarmMs')];
  const rows: Row[] = [
    { id: 'P9', what: 'Dockerfile app (Python fixture), cold: build + start → answering', ours: cold, baseline: rawCold, versus: versus(cold, rawCold), target: '≤ 1.5×', ok: cold.summary.median <= 1.5 * rawCold.summary.median },
    { id: 'P9b', what: 'Dockerfile app, warm: stopped, image current (no build) → answering', ours: warm, baseline: rawWarm, versus: versus(warm, rawWarm), target: '≤ 2×', ok: warm.summary.median <= 2 * rawWarm.summary.median },
  ];
  const details = [`P9 samples (cold/raw cold/warm/raw warm ms): ${samples.map((s) => `${s.coldMs}/${s.rawColdMs}/${s.warmMs}/${s.rawWarmMs}`).join(', ')}; baseline: podman build + podman run -d -p + 10 ms HTTP poll`];
  return { rows, details };
}

if (require.main === module) {
  runStandalone(benchDockerfileApp, 5);
}
