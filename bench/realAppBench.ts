/**
 * P7: what the shared package cache buys. A real template app with dependencies is started cold
 * (empty shared cache, empty node_modules volume), then a second app of the same template (its own
 * empty node_modules volume, the cache now warm), both through AppController. Each repetition
 * uses a fresh bench-only cache volume, removed afterwards (never the user's preview-pkg-cache).
 * Host ports 36400–36449. Runs inside `npm run bench`, or alone: `node out/bench/realAppBench.js`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { makeAppRef } from '../src/core/appIdentity';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { corpusDir, templateById } from '../test/corpus/templates';
import { makeController, TEST_IMAGE, TestWorkspace } from '../test/engine/helpers';
import { removeDependencyVolumes } from '../test/harness/containers';
import { Janitor, runAlone } from './podman';
import { inMs, versus, type Row } from './report';
import type { Figures } from './engineBench';

const P7_POOL = { start: 36400, end: 36449 };
/** npm and pnpm: the two paths that differ most (npm's cacache tarballs vs pnpm's content store). */
export const P7_TEMPLATES = ['vite-react', 'ai-builder-pnpm'] as const;

interface Pair {
  readonly firstMs: number;
  readonly secondMs: number;
}

async function onePair(engine: ContainerEngine, janitor: Janitor, templateId: string, rep: number): Promise<Pair> {
  const workspace = janitor.workspace(await TestWorkspace.create(`pc-bench-p7-${templateId}`));
  const cacheVolume = `pc-bench-pkg-cache-${janitor.token}-${rep}`;
  const { controller, stopEvents } = makeController(engine, { ...P7_POOL, settings: { startupTimeoutSeconds: 600, packageCacheVolume: cacheVolume }, events: true });
  const source = path.join(corpusDir(), templateById(templateId).id);
  const apps = ['first', 'second'].map((name) => makeAppRef(path.join(workspace.root, name), workspace.root));
  try {
    const times: number[] = [];
    for (const app of apps) {
      await fs.cp(source, app.folder, { recursive: true });
      const t0 = Date.now();
      const result = await controller.run({ ref: app });
      times.push(Date.now() - t0);
      janitor.container(result.containerId);
      await controller.release(app);
    }
    return { firstMs: times[0] ?? Number.NaN, secondMs: times[1] ?? Number.NaN };
  } finally {
    await stopEvents();
    await workspace.cleanUp(engine);
    await removeDependencyVolumes(apps);
    await execa('podman', ['volume', 'rm', '--force', cacheVolume], { reject: false, stdin: 'ignore' });
  }
}

export async function benchSharedCache(engine: ContainerEngine, janitor: Janitor, reps: number, log: (line: string) => void): Promise<Figures> {
  const rows: Row[] = [];
  const details: string[] = [];
  for (const id of P7_TEMPLATES) {
    const pairs: Pair[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const pair = await onePair(engine, janitor, id, rep);
      log(`P7 ${id}: first ${pair.firstMs} ms, second ${pair.secondMs} ms`);
      pairs.push(pair);
    }
    const first = inMs(pairs.map((p) => p.firstMs));
    const second = inMs(pairs.map((p) => p.secondMs));
    const ratio = second.summary.median / first.summary.median;
    rows.push({
      id: id === P7_TEMPLATES[0] ? 'P7' : 'P7b',
      what: `second app of a real template (${id}, ${templateById(id).packageManager}) with the shared cache warm → answering`,
      ours: second,
      baseline: `${first.summary.median.toFixed(0)} ms (first app, empty cache) n=${pairs.length}`,
      versus: versus(second, first),
      target: '≤ 0.3×',
      ok: ratio <= 0.3,
    });
    details.push(`P7 ${id} pairs (first/second ms): ${pairs.map((p) => `${p.firstMs}/${p.secondMs}`).join(', ')}`);
  }
  return { rows, details };
}

if (require.main === module) {
  runAlone(async (engine, janitor, log) => {
    if (!(await engine.imageExists(TEST_IMAGE))) {
      throw new Error(`the test image ${TEST_IMAGE} is missing (run: npm run setup)`);
    }
    return benchSharedCache(engine, janitor, Number(process.env.BENCH_REPS ?? 3), log);
  });
}
