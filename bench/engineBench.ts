import type { AppController, AppStatus, RunResult } from '../src/core/appController';
import type { AppRef } from '../src/core/appIdentity';
import { inspectFolder, resolveAppConfig, type ResolvedAppConfig } from '../src/core/appFolder';
import type { Settings } from '../src/core/settings';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { makeController, TestWorkspace } from '../test/engine/helpers';
import { TcpPortProbe } from '../src/core/portProbe';
import { listeningAt, pollUntilAnswering, rawRun, type Janitor } from './podman';
import { inMs, versus, type Row } from './report';
import { epochMs, summarize } from './stats';
import { unmirrored } from '../src/core/sourceMirror';
import { busyDuring, machineCores } from './machineCpu';

/** The port ranges of one engine's start benches: controller pools and the raw baseline's ports. */
export interface StartPools {
  readonly p1: { readonly start: number; readonly end: number };
  readonly p3: { readonly start: number; readonly end: number };
  readonly rawSingle: { readonly start: number; readonly end: number };
  readonly rawMany: { readonly start: number; readonly end: number };
}

/** Bench ports are 35000–35999 (other suites stay below); P4 35050–35059, A3 35800. */
export const PODMAN_POOLS: StartPools = {
  p1: { start: 35000, end: 35049 },
  p3: { start: 35100, end: 35199 },
  rawSingle: { start: 35500, end: 35599 },
  rawMany: { start: 35600, end: 35799 },
};
export const DOCKER_POOLS: StartPools = {
  p1: { start: 35200, end: 35249 },
  p3: { start: 35250, end: 35349 },
  rawSingle: { start: 35350, end: 35449 },
  rawMany: { start: 35850, end: 35999 },
};
export const P3_POOL = PODMAN_POOLS.p3;

/** Podman 4.3 creates containers one at a time behind its locks; docker creates them in parallel. */
const P3_GOAL = { podman: 0.6, docker: 0.5 } as const;

export interface EngineBenchContext {
  readonly engine: ContainerEngine;
  readonly janitor: Janitor;
  readonly log: (line: string) => void;
  readonly pools: StartPools;
}

/** As the extension's default: a loaded 2-core machine can take long to start 20 apps at once. */
export const SETTINGS = { startupTimeoutSeconds: 120 };

type RawConfig = Pick<ResolvedAppConfig, 'image' | 'command' | 'env' | 'containerPort'>;

/** What the controller runs for the app (image, command, env): the baseline must run the same. */
async function configOf(app: AppRef, settings: Settings): Promise<RawConfig> {
  return resolveAppConfig(settings, undefined, await inspectFolder(app.folder));
}

/** Resolves at the first state change of `app` to `status` (checked on every change event). */
export function whenStatus(controller: AppController, app: AppRef, status: AppStatus, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`${app.appId} did not become ${status} within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = controller.onDidChangeState((state) => {
      if (state.app.key === app.key && state.status === status) {
        const at = epochMs();
        clearTimeout(timer);
        subscription.dispose();
        resolve(at);
      }
    });
  });
}

interface StartSample {
  /** Call → answering (controller: `run` resolved; raw: the poll got an answer). */
  readonly totalMs: number;
  /** The app's own "listening" timestamp → ready reported. */
  readonly lagMs: number;
  /** Where the time went (ms), by stage. */
  readonly stages: Record<string, number>;
}

/** `run`, with where its time went (by the stages it reports). */
async function runWithStages(controller: AppController, app: AppRef, binary: string): Promise<{ result: RunResult; totalMs: number; stages: Record<string, number> }> {
  const marks: [string, number][] = [];
  const t0 = epochMs();
  const result = await controller.run({ ref: app }, { onProgress: (stage) => marks.push([stage, epochMs()]) });
  const done = epochMs();
  const at = (prefix: string): number => marks.find(([stage]) => stage.startsWith(prefix))?.[1] ?? Number.NaN;
  return {
    result,
    totalMs: done - t0,
    stages: {
      'container list + folder read': at('Allocating') - t0,
      allocation: at('Creating') - at('Allocating'),
      [`${binary} run`]: at('Waiting') - at('Creating'),
      'run returned → answering (readiness)': done - at('Waiting'),
    },
  };
}

async function controllerStart(ctx: EngineBenchContext, controller: AppController, app: AppRef): Promise<StartSample> {
  const ready = whenStatus(controller, app, 'running', 60_000);
  const { result, totalMs, stages } = await runWithStages(controller, app, ctx.engine.binary);
  ctx.janitor.container(result.containerId);
  const readyAt = await ready;
  const listening = await listeningAt(ctx.engine.binary, result.containerId);
  await ctx.janitor.removeContainers([result.containerId]);
  // What the extension's observe pass does on the engine's remove event (src/ui/lifecycle.ts; P4:
  // ~0.4 s after it): without it the state still names the removed container, and the next run
  // lists every container first (the path of an unknown state), which is not the sticky re-run
  // a user's Run meets.
  controller.observe(app, undefined);
  return { totalMs, lagMs: readyAt - listening, stages };
}

/**
 * Host ports for the raw baseline, handed out in order. 35000–35999 lies inside Linux's ephemeral
 * range (32768–60999), so an outgoing connection can hold one for a moment: a port that does not
 * bind, or that podman refuses, is skipped, and the refused attempt is not timed.
 */
class RawPorts {
  private next: number;
  private readonly probe = new TcpPortProbe('127.0.0.1');

  constructor(private readonly range: { start: number; end: number }) {
    this.next = range.start;
  }

  reset(): void {
    this.next = this.range.start;
  }

  async take(): Promise<number> {
    while (this.next <= this.range.end) {
      const port = this.next++;
      if (await this.probe.isFree(port)) {
        return port;
      }
    }
    throw new Error(`no free port left in ${this.range.start}–${this.range.end} for the raw baseline`);
  }
}

/** A raw start on a free port, answering: `<engine> run -d` + the tight poll. Timed from the run. */
async function rawStart(ctx: EngineBenchContext, app: AppRef, ports: RawPorts, config: RawConfig): Promise<StartSample & { id: string }> {
  for (;;) {
    const port = await ports.take();
    const t0 = epochMs();
    let id: string;
    try {
      id = await rawRun(ctx.janitor, app, port, config);
    } catch (error) {
      if (/address already in use|port is already allocated/.test(String(error))) {
        ctx.log(`raw baseline: port ${port} was taken meanwhile; the next one, untimed`);
        continue;
      }
      throw error;
    }
    const ran = epochMs();
    const answered = await pollUntilAnswering(port);
    const listening = await listeningAt(ctx.engine.binary, id);
    return { id, totalMs: answered - t0, lagMs: answered - listening, stages: { [`${ctx.engine.binary} run`]: ran - t0, 'run returned → answering (poll)': answered - ran } };
  }
}

async function rawSingleStart(ctx: EngineBenchContext, app: AppRef, ports: RawPorts, config: RawConfig): Promise<StartSample> {
  ports.reset();
  const sample = await rawStart(ctx, app, ports, config);
  await ctx.janitor.removeContainers([sample.id]);
  return sample;
}

function stageMedians(samples: readonly Pick<StartSample, 'stages'>[]): string {
  const names = Object.keys(samples[0]?.stages ?? {});
  return names
    .map((name) => {
      const s = summarize(samples.map((sample) => sample.stages[name] ?? Number.NaN));
      return `${name} ${s.median.toFixed(0)} ms (max ${s.max.toFixed(0)})`;
    })
    .join(', ');
}

export interface Figures {
  readonly rows: Row[];
  readonly details: string[];
}

/** P1 and P2: one app, controller vs the raw engine, interleaved (ABBA…) so drift hits both alike. */
export async function benchSingleStart(ctx: EngineBenchContext, reps: number): Promise<Figures> {
  const workspace = ctx.janitor.workspace(await TestWorkspace.create('pc-bench-single'));
  const app = await workspace.addApp('single');
  // As in the extension: the event stream runs, so exits come from it rather than `podman wait`.
  const { controller, settings, stopEvents } = makeController(ctx.engine, { ...ctx.pools.p1, settings: SETTINGS, events: true });
  const config = await configOf(app, settings);
  const ports = new RawPorts(ctx.pools.rawSingle);
  const ours: StartSample[] = [];
  const raw: StartSample[] = [];
  // One of each first, not counted: page cache, the engine's storage and network state warm up.
  await controllerStart(ctx, controller, app);
  await rawSingleStart(ctx, app, ports, config);
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? ['ours', 'raw'] : ['raw', 'ours'];
    for (const which of order) {
      if (which === 'ours') {
        ours.push(await controllerStart(ctx, controller, app));
      } else {
        raw.push(await rawSingleStart(ctx, app, ports, config));
      }
    }
    ctx.log(`P1 ${ctx.engine.kind} ${i + 1}/${reps}: controller ${ours[i]?.totalMs.toFixed(0)} ms, raw ${raw[i]?.totalMs.toFixed(0)} ms`);
  }
  await stopEvents();
  const oursTotal = inMs(ours.map((s) => s.totalMs));
  const rawTotal = inMs(raw.map((s) => s.totalMs));
  const lag = inMs(ours.map((s) => s.lagMs));
  const rawLag = inMs(raw.map((s) => s.lagMs));
  const ratio = oursTotal.summary.median / rawTotal.summary.median;
  const extra = oursTotal.summary.median - rawTotal.summary.median;
  return {
    rows: [
      {
        id: `P1 ${ctx.engine.kind}`,
        what: `${ctx.engine.kind}: controller run → answering HTTP (\`${unmirrored(config.command).join(' ')}\`)`,
        ours: oursTotal,
        baseline: rawTotal,
        versus: versus(oursTotal, rawTotal),
        target: '≤ 1.03× and ≤ +100 ms',
        ok: ratio <= 1.03 && extra <= 100,
      },
      {
        id: `P2 ${ctx.engine.kind}`,
        what: `${ctx.engine.kind}: app listening (its own timestamp) → controller reports running`,
        ours: lag,
        baseline: rawLag,
        versus: 'baseline: raw 1-ms poll',
        target: '≤ 50 ms median',
        ok: lag.summary.median <= 50,
      },
    ],
    details: [`P1 ${ctx.engine.kind} stages, controller (medians): ${stageMedians(ours)}.`, `P1 ${ctx.engine.kind} stages, raw (medians): ${stageMedians(raw)}.`],
  };
}

/**
 * P3: 20 apps started at once by one controller vs 20 raw `<engine> run` + poll one after another.
 * The last concurrent set is left running (for P5) and returned.
 */
export async function benchConcurrentStarts(ctx: EngineBenchContext, apps: number, reps: number, deadline: number): Promise<Figures & { workspace: TestWorkspace; running: string[] }> {
  const workspace = ctx.janitor.workspace(await TestWorkspace.create('pc-bench-many'));
  const refs: AppRef[] = [];
  for (let i = 0; i < apps; i++) {
    refs.push(await workspace.addApp(`app-${String(i).padStart(2, '0')}`));
  }
  const [first] = refs;
  if (!first) {
    throw new Error('P3 needs at least one app');
  }
  const fixture = makeController(ctx.engine, { ...ctx.pools.p3, settings: SETTINGS, events: true });
  const config = await configOf(first, fixture.settings);
  const rawPorts = new RawPorts(ctx.pools.rawMany);
  const oursMs: number[] = [];
  const rawMs: number[] = [];
  // The whole machine's busy CPU in each round: with it, the least wall time the round can take.
  const oursCpuMs: number[] = [];
  const controllerCpuMs: number[] = [];
  const rawCpuMs: number[] = [];
  let conflicts = 0;
  let duplicatePorts = 0;
  let running: string[] = [];
  const stages: Pick<StartSample, 'stages'>[] = [];
  const started = Date.now();
  for (let rep = 0; rep < reps; rep++) {
    // A loaded machine makes each round slower: fewer rounds rather than no table at all.
    const perRep = rep === 0 ? 0 : (Date.now() - started) / rep;
    const last = rep === reps - 1 || Date.now() + 2 * perRep > deadline;
    const runRaw = async (): Promise<void> => {
      // One after another; the total is the sum of the starts (a skipped port's attempt excluded).
      rawPorts.reset();
      const { result: starts, machineMs } = await busyDuring(async () => {
        const done: (StartSample & { id: string })[] = [];
        for (const ref of refs) {
          done.push(await rawStart(ctx, ref, rawPorts, config));
        }
        return done;
      });
      rawCpuMs.push(machineMs);
      rawMs.push(starts.reduce((sum, start) => sum + start.totalMs, 0));
      await ctx.janitor.removeContainers(starts.map((start) => start.id));
    };
    const runOurs = async (): Promise<void> => {
      const warningsBefore = fixture.logger.warnings.length;
      const t0 = epochMs();
      const { result: runs, machineMs, ownMs } = await busyDuring(() => Promise.all(refs.map((ref) => runWithStages(fixture.controller, ref, ctx.engine.binary))));
      oursMs.push(epochMs() - t0);
      oursCpuMs.push(machineMs);
      controllerCpuMs.push(ownMs);
      const results = runs.map((r) => r.result);
      stages.push(...runs);
      const ids = results.map((r) => r.containerId);
      ids.forEach((id) => ctx.janitor.container(id));
      conflicts += fixture.logger.warnings.slice(warningsBefore).filter((w) => /refused port/.test(w)).length;
      duplicatePorts += results.length - new Set(results.map((r) => r.port)).size;
      if (last) {
        running = ids;
      } else {
        await ctx.janitor.removeContainers(ids);
      }
    };
    // Alternate which goes first; the controller's set goes last in the final rep so it stays up.
    if (rep % 2 === 1 && !last) {
      await runOurs();
      await runRaw();
    } else {
      await runRaw();
      await runOurs();
    }
    ctx.log(`P3 ${ctx.engine.kind} ${rep + 1}/${reps}: controller ${oursMs[rep]?.toFixed(0)} ms, raw sequential ${rawMs[rep]?.toFixed(0)} ms`);
    if (last) {
      break;
    }
  }
  await fixture.stopEvents();
  const ours = inMs(oursMs);
  const raw = inMs(rawMs);
  const cores = machineCores();
  const oursCpu = inMs(oursCpuMs);
  const rawCpu = inMs(rawCpuMs);
  const floor = oursCpu.summary.median / cores / raw.summary.median;
  // Were the controller free, the round would still need the rest of that CPU (the apps, the engine).
  const controllerCpu = summarize(controllerCpuMs).median;
  const floorWithoutController = (oursCpu.summary.median - controllerCpu) / cores / raw.summary.median;
  return {
    rows: [
      {
        id: `P3 ${ctx.engine.kind}`,
        what: `${ctx.engine.kind}: ${apps} apps at once by the controller (raw: one after another)`,
        ours,
        baseline: raw,
        versus: versus(ours, raw),
        target: `≤ ${P3_GOAL[ctx.engine.kind]}×, 0 port conflicts`,
        ok: ours.summary.median / raw.summary.median <= P3_GOAL[ctx.engine.kind] && conflicts + duplicatePorts === 0,
      },
      {
        id: `P3c ${ctx.engine.kind}`,
        what: `${ctx.engine.kind}: port conflicts in those starts (engine refusals + duplicate ports)`,
        ours: `${conflicts + duplicatePorts}`,
        baseline: '–',
        versus: '',
        target: '0',
        ok: conflicts + duplicatePorts === 0,
      },
      {
        id: `P3cpu ${ctx.engine.kind}`,
        what: `${ctx.engine.kind}: the machine's busy CPU (every process) in a round; the controller's round cannot take less than its CPU ÷ ${cores} cores`,
        ours: oursCpu,
        baseline: rawCpu,
        versus: versus(oursCpu, rawCpu),
        target: `floor ${floor.toFixed(2)}× (ours' CPU ÷ ${cores} ÷ raw time)`,
        ok: undefined,
      },
    ],
    details: [
      `P3 ${ctx.engine.kind} stages per app, controller (medians over ${stages.length} starts): ${stageMedians(stages)}.`,
      `P3 ${ctx.engine.kind} on ${cores} cores: the controller's round used ${(oursCpu.summary.median / 1000).toFixed(1)} s of CPU (so ≥ ${(oursCpu.summary.median / cores / 1000).toFixed(1)} s of wall time, ${floor.toFixed(2)}× the raw ${(raw.summary.median / 1000).toFixed(1)} s); it took ${(ours.summary.median / 1000).toFixed(1)} s (${(ours.summary.median / raw.summary.median).toFixed(2)}×). Of that CPU the controller's own process used ${(controllerCpu / 1000).toFixed(1)} s: with a controller that cost nothing the floor would be ${floorWithoutController.toFixed(2)}×. The raw round used ${(rawCpu.summary.median / 1000).toFixed(1)} s of CPU (${(rawCpu.summary.median / raw.summary.median).toFixed(2)} cores busy).`,
    ],
    workspace,
    running,
  };
}

