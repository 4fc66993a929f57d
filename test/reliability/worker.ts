/**
 * One "VS Code window" in its own Node process (forked by workers.ts): its own allocator and
 * controller over the shared lagged globalState, the real lease journal and lock, and real podman
 * (or docker: the tests' own dockerd, reached through the DOCKER_HOST the worker inherits).
 * Test hooks (pause points) live here, never in src/.
 */
import { promises as fs } from 'node:fs';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { detectEngine } from '../../src/core/engine/detectEngine';
import { EngineProvider } from '../../src/core/engine/engineProvider';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import type { RunSpec } from '../../src/core/engine/runArgs';
import { silentLogger } from '../../src/core/logger';
import type { ReconcileReport } from '../../src/core/reconciler';
import { scopedEngine } from './helpers';
import { openWindow } from './window';
import { errorInfo, type AppOutcome, type ParentMessage, type PausePoint, type WorkerConfig, type WorkerMessage } from './workerProtocol';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      resolve();
      return;
    }
    process.send(message, undefined, undefined, () => resolve());
  });
}

/** Writes the reached file, then never returns: the test kills this process here. */
async function stopDead(pause: PausePoint, spec: RunSpec): Promise<never> {
  await fs.writeFile(pause.reachedFile, JSON.stringify({ pid: process.pid, port: spec.lease.port }));
  return new Promise<never>(() => undefined);
}

function withPauses(engine: ContainerEngine, pauses: readonly PausePoint[]): ContainerEngine {
  if (pauses.length === 0) {
    return engine;
  }
  const paused: Partial<ContainerEngine> = {
    run: async (spec: RunSpec) => {
      const pause = pauses.find((p) => p.appKey === spec.lease.app.key);
      if (pause?.at === 'beforeRun') {
        await stopDead(pause, spec);
      }
      const id = await engine.run(spec);
      if (pause?.at === 'afterRun') {
        await stopDead(pause, spec);
      }
      return id;
    },
  };
  return Object.assign(Object.create(engine) as ContainerEngine, paused);
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) {
    throw new Error('usage: worker.js <config.json>');
  }
  const config = JSON.parse(await fs.readFile(configFile, 'utf8')) as WorkerConfig;
  const detected = new EngineProvider(() => detectEngine({ choice: config.engine ?? 'podman', enginePath: undefined, exec: execaExec, stream: execaStream, logger: silentLogger }));
  const engines = new EngineProvider(async () => {
    const engine = withPauses(await detected.get(), config.pauses ?? []);
    return config.scopeRoot === undefined ? engine : scopedEngine(engine, config.scopeRoot);
  });
  const plan = config.reconcile ?? { passes: 1, intervalMs: 0, options: {} };
  const window = openWindow({ name: config.name, shared: config.shared, portRange: config.portRange, engines, lag: config.lag, apps: config.apps, reconcilerOptions: plan.options });
  await engines.get();
  const go = new Promise<void>((resolve) => process.on('message', (message: ParentMessage) => message.type === 'go' && resolve()));
  await send({ type: 'ready' });
  await go;

  const outcomes: AppOutcome[] = [];
  const reports: ReconcileReport[] = [];
  if (config.mode === 'run') {
    await Promise.all(
      config.apps.map(async (ref) => {
        const started = Date.now();
        const stages: [string, number][] = [];
        const onProgress = (stage: string): void => void stages.push([stage.replace(/\d+/g, 'N'), Date.now() - started]);
        let outcome: AppOutcome;
        try {
          const result = await window.controller.run({ ref, override: { path: ref.folder, command: config.command } }, { onProgress });
          outcome = { key: ref.key, appId: ref.appId, ms: Date.now() - started, stages, port: result.port, url: result.url, containerId: result.containerId };
        } catch (error) {
          outcome = { key: ref.key, appId: ref.appId, ms: Date.now() - started, stages, error: errorInfo(error) };
        }
        outcomes.push(outcome);
        await send({ type: 'outcome', outcome });
      }),
    );
  } else {
    const reconciler = window.reconciler;
    for (let pass = 0; pass < plan.passes; pass++) {
      if (pass > 0) {
        await new Promise((resolve) => setTimeout(resolve, plan.intervalMs));
      }
      reports.push(await reconciler.reconcile());
    }
  }
  const leases = await window.allocator.leases();
  await window.core.dispose(); // writes what globalState does not hold yet
  window.memento.close();
  await send({ type: 'done', outcomes, reports, leases });
  process.exit(0);
}

main().catch(async (error: unknown) => {
  await send({ type: 'fatal', error: errorInfo(error) });
  process.exit(1);
});
