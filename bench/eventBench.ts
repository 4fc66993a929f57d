import { execa } from 'execa';
import { Reconciler } from '../src/core/reconciler';
import { EventFollower } from '../src/core/eventFollower';
import { makeController, TestWorkspace } from '../test/engine/helpers';
import { RecordingLogger } from '../test/unit/helpers';
import { whenStatus, SETTINGS, type EngineBenchContext, type Figures } from './engineBench';
import { inMs } from './report';
import { epochMs, summarize } from './stats';

/** Ports: 35050–35059 (see engineBench.ts for the others). */
const P4_POOL = { start: 35050, end: 35059 };

/**
 * P4: an external `podman stop` → the model (EventFollower → Reconciler observe pass →
 * AppController state) shows the app stopped. Wired as src/extension.ts wires them.
 */
export async function benchExternalStop(ctx: EngineBenchContext, reps: number): Promise<Figures> {
  const workspace = ctx.janitor.workspace(await TestWorkspace.create('pc-bench-events'));
  const app = await workspace.addApp('watched');
  const { controller, allocator } = makeController(ctx.engine, { ...P4_POOL, settings: SETTINGS });
  const logger = new RecordingLogger();
  const reconciler = new Reconciler({ controller, allocator, engine: () => Promise.resolve(ctx.engine), apps: () => [app], logger, clock: Date.now });
  let batches = 0;
  // The engine's own time of the change: the first die/stop event of our container.
  let changedAt: number | undefined;
  let batchAt: number | undefined;
  let watchedId = '';
  const follower = new EventFollower({
    engine: () => Promise.resolve(ctx.engine),
    onEvents: (events) => {
      batches++;
      for (const event of events) {
        if (event.id === watchedId && (event.action === 'die' || event.action === 'stop')) {
          changedAt = Math.min(changedAt ?? event.time, event.time);
          batchAt ??= epochMs();
        }
      }
      void reconciler.reconcile({ repair: false }).catch(() => undefined);
    },
    onReconnect: () => void reconciler.reconcile().catch(() => undefined),
    logger,
  });
  const fromEvent: number[] = [];
  const delivered: number[] = [];
  const passes: number[] = [];
  const fromCommand: number[] = [];
  const startSeen: number[] = [];
  follower.start();
  try {
    // The stream is up once it delivers the events of our own start.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { containerId } = await controller.run({ ref: app });
    ctx.janitor.container(containerId);
    watchedId = containerId;
    const deadline = Date.now() + 10_000;
    while (batches === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (batches === 0) {
      throw new Error('the event stream delivered nothing');
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < reps; i++) {
      const stopped = whenStatus(controller, app, 'stopped', 10_000);
      changedAt = undefined;
      batchAt = undefined;
      const t0 = epochMs();
      await execa('podman', ['stop', '--time', '10', containerId], { stdin: 'ignore' });
      const seenAt = await stopped;
      // The event batch that carries it may come after the state change (another pass saw it first).
      const deadline = Date.now() + 3000;
      while (changedAt === undefined && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      fromEvent.push(seenAt - (changedAt ?? Number.NaN));
      fromCommand.push(seenAt - t0);
      delivered.push((batchAt ?? Number.NaN) - (changedAt ?? Number.NaN));
      passes.push(seenAt - (batchAt ?? Number.NaN));
      // Back up again, from outside too; the model must follow that as well.
      const started = whenStatus(controller, app, 'running', 10_000);
      const s0 = epochMs();
      await execa('podman', ['start', containerId], { stdin: 'ignore' });
      startSeen.push((await started) - s0);
      ctx.log(`P4 ${i + 1}/${reps}: engine event→seen ${fromEvent[i]?.toFixed(0)} ms (from the stop command ${fromCommand[i]?.toFixed(0)} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await ctx.janitor.removeContainers([containerId]);
  } finally {
    await follower.stop();
  }
  const event = inMs(fromEvent);
  const command = inMs(fromCommand);
  return {
    rows: [
      {
        id: 'P4',
        what: 'external `podman stop` → model shows stopped (from the stop command)',
        ours: command,
        baseline: '–',
        versus: `from the engine's die/stop event time: ${event.summary.median.toFixed(0)} ms [${event.summary.min.toFixed(0)}–${event.summary.max.toFixed(0)}]`,
        target: '≤ 1 s',
        ok: command.summary.median <= 1000,
      },
    ],
    details: [
      `P4 stages (medians): the die/stop event reached the follower's debounced batch ${summarize(delivered).median.toFixed(0)} ms after the engine's event time (100 ms of it the debounce); the observe pass then took ${summarize(passes).median.toFixed(0)} ms to the state change.`,
      `P4: external \`podman start\` → model shows running: median ${summarize(startSeen).median.toFixed(0)} ms (${startSeen.map((v) => v.toFixed(0)).join(', ')}).`,
    ],
  };
}
