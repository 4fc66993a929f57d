/**
 * M1/M2: what the source mirror costs against the plain read-write bind mount it replaced. One
 * real template (create-vite React) in two folders, both started through the same AppController:
 * one as the product runs it (read-only at /preview-source, copied into /app by the mirror), one
 * through a bench-only engine whose `run` rewrites the argv to the old mount (`<folder>:/app`,
 * read-write, the app's command without the mirror). Interleaved (mirror, bind, mirror, …) so the
 * machine's load hits both alike. Host ports 36450–36479. Part of `npm run bench`, or alone:
 * `node out/bench/mirrorBench.js` (BENCH_REPS=n).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { makeAppRef, type AppRef } from '../src/core/appIdentity';
import type { AppController } from '../src/core/appController';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { buildRunArgs, CONTAINER_APP_DIR, type RunSpec } from '../src/core/engine/runArgs';
import { SOURCE_DIR, unmirrored } from '../src/core/sourceMirror';
import { corpusDir } from '../test/corpus/templates';
import { makeController, TestWorkspace } from '../test/engine/helpers';
import { removeDependencyVolumes } from '../test/harness/containers';
import type { Figures } from './engineBench';
import { Janitor } from './podman';
import { runStandalone } from './standalone';
import { inMs, versus, type Row } from './report';

/** Each controller its own pool: their lease stores do not know each other. */
const POOLS = { mirror: { start: 36450, end: 36464 }, bind: { start: 36465, end: 36479 } };
const TEMPLATE = 'vite-react';
const EDITED_FILE = 'src/App.jsx';
const EDITS_PER_START = 5;
/** The mirror writes the time its first copy took here (a test hook of sourceMirror.ts). */
const MIRROR_READY_FILE = '/tmp/.preview-mirror-ready';

type Variant = 'mirror' | 'bind';

/** The argv of `spec` with the old mount: the folder read-write at /app, the app's own command. */
export function plainBindArgs(spec: RunSpec, kind: ContainerEngine['kind']): string[] {
  const args = buildRunArgs(spec, kind);
  const source = spec.sourceFolder ?? spec.lease.app.folder;
  const mount = args.indexOf(`${source}:${SOURCE_DIR}:ro`);
  if (mount < 0 || spec.command.length === 0) {
    throw new Error('the run argv has no read-only source mount or no command to unwrap');
  }
  args[mount] = `${source}:${CONTAINER_APP_DIR}`;
  return [...args.slice(0, args.length - spec.command.length), ...unmirrored(spec.command)];
}

/** The engine with `run` replaced by the plain bind variant (everything else delegated). */
function withPlainBind(engine: ContainerEngine, janitor: Janitor): ContainerEngine {
  const run = async (spec: RunSpec): Promise<string> => {
    const result = await execa(engine.binary, plainBindArgs(spec, engine.kind), { reject: false, stdin: 'ignore', env: { LC_ALL: 'C' } });
    const id = result.stdout.trim().split('\n').pop() ?? '';
    if (result.exitCode !== 0 || !/^[0-9a-f]{64}$/.test(id)) {
      throw new Error(`podman run (plain bind) failed: ${result.stderr || result.stdout}`);
    }
    janitor.container(id);
    return id;
  };
  return new Proxy(engine, {
    get(target, property, receiver) {
      if (property === 'run') {
        return run;
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Polls the dev server's transformed module until it carries `text`; the time from `since`. */
async function servedWithin(port: number, text: string, since: number, timeoutMs = 30_000): Promise<number> {
  const url = `http://127.0.0.1:${port}/${EDITED_FILE}`;
  while (Date.now() - since < timeoutMs) {
    const body = await fetch(url, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.text(),
      () => '',
    );
    if (body.includes(text)) {
      return Date.now() - since;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${url} did not serve "${text}" within ${timeoutMs} ms`);
}

interface Samples {
  firstMs: number;
  readonly startMs: number[];
  readonly editMs: number[];
  readonly copyMs: number[];
}

class Subject {
  current = 'Get started';
  readonly samples: Samples = { firstMs: Number.NaN, startMs: [], editMs: [], copyMs: [] };
  constructor(
    readonly app: AppRef,
    readonly controller: AppController,
  ) {}

  /** A new container (node_modules kept in its volume) → answering; then edits → served. */
  async startAndEdit(janitor: Janitor): Promise<number> {
    const t0 = Date.now();
    const result = await this.controller.run({ ref: this.app, override: { path: this.app.folder, env: { PREVIEW_MIRROR_READY: MIRROR_READY_FILE } } });
    janitor.container(result.containerId);
    const ms = Date.now() - t0;
    const copied = await execa('podman', ['exec', result.containerId, 'cat', MIRROR_READY_FILE], { reject: false, stdin: 'ignore' });
    if (copied.exitCode === 0) {
      this.samples.copyMs.push(Number(copied.stdout.trim()));
    }
    await servedWithin(result.port, this.current, Date.now());
    const file = path.join(this.app.folder, EDITED_FILE);
    for (let i = 0; i < EDITS_PER_START; i++) {
      const next = `Bench edit ${this.samples.editMs.length + 1}`;
      const text = await fs.readFile(file, 'utf8');
      const since = Date.now();
      await fs.writeFile(file, text.replace(this.current, next));
      this.current = next;
      this.samples.editMs.push(await servedWithin(result.port, next, since));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await this.controller.stop(this.app);
    return ms;
  }
}

export async function benchSourceMirror(engine: ContainerEngine, janitor: Janitor, reps: number, log: (line: string) => void): Promise<Figures> {
  const workspace = janitor.workspace(await TestWorkspace.create('pc-bench-mirror'));
  const cacheVolume = `pc-bench-pkg-cache-mirror-${janitor.token}`;
  const settings = { startupTimeoutSeconds: 600, packageCacheVolume: cacheVolume };
  const fixtures = {
    mirror: makeController(engine, { ...POOLS.mirror, settings, events: true }),
    bind: makeController(withPlainBind(engine, janitor), { ...POOLS.bind, settings, events: true }),
  };
  const subjects = {} as Record<Variant, Subject>;
  try {
    for (const variant of ['mirror', 'bind'] as const) {
      const app = makeAppRef(path.join(workspace.root, variant), workspace.root);
      await fs.cp(path.join(corpusDir(), TEMPLATE), app.folder, { recursive: true });
      subjects[variant] = new Subject(app, fixtures[variant].controller);
      // Installs its node_modules (an informative first start; the cache warms up on the first).
      subjects[variant].samples.firstMs = await subjects[variant].startAndEdit(janitor);
      log(`mirror bench: ${variant} first start (install) ${subjects[variant].samples.firstMs} ms`);
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const variant of rep % 2 === 0 ? (['mirror', 'bind'] as const) : (['bind', 'mirror'] as const)) {
        const ms = await subjects[variant].startAndEdit(janitor);
        subjects[variant].samples.startMs.push(ms);
        log(`mirror bench: ${variant} start ${ms} ms, edits ${subjects[variant].samples.editMs.slice(-EDITS_PER_START).join('/')} ms`);
      }
    }
  } finally {
    for (const fixture of Object.values(fixtures)) {
      await fixture.stopEvents();
    }
    await workspace.cleanUp(engine);
    await removeDependencyVolumes(Object.values(subjects).map((s) => s.app));
    await execa('podman', ['volume', 'rm', '--force', cacheVolume], { reject: false, stdin: 'ignore' });
  }
  return figures(subjects);
}

function figures(subjects: Record<Variant, Subject>): Figures {
  const { mirror, bind } = { mirror: subjects.mirror.samples, bind: subjects.bind.samples };
  const rows: Row[] = [
    {
      id: 'M1',
      what: `new container of a real template (${TEMPLATE}, node_modules installed) → answering: source mirror vs plain read-write bind`,
      ours: inMs(mirror.startMs),
      baseline: inMs(bind.startMs),
      versus: versus(inMs(mirror.startMs), inMs(bind.startMs)),
      target: '(informative)',
      ok: undefined,
    },
    {
      id: 'M2',
      what: `host edit of ${EDITED_FILE} → the dev server serves it: source mirror vs plain read-write bind`,
      ours: inMs(mirror.editMs),
      baseline: inMs(bind.editMs),
      versus: versus(inMs(mirror.editMs), inMs(bind.editMs)),
      target: '(informative)',
      ok: undefined,
    },
  ];
  const details = [
    `M1 starts (ms), mirror: ${mirror.startMs.join(', ')}; bind: ${bind.startMs.join(', ')}; first starts with install: mirror ${mirror.firstMs}, bind ${bind.firstMs}`,
    `the mirror's first copy inside the container (ms): ${mirror.copyMs.join(', ')}`,
    `M2 edits (ms), mirror: ${mirror.editMs.join(', ')}; bind: ${bind.editMs.join(', ')}`,
  ];
  return { rows, details };
}

if (require.main === module) {
  runStandalone(benchSourceMirror, 3);
}
