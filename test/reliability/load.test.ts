import * as assert from 'node:assert/strict';
import type { AppRef } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import type { EngineKind } from '../../src/core/engine/types';
import { labelledPort, LABEL_PATH } from '../../src/core/engine/labels';
import type { Lease } from '../../src/core/leaseStore';
import { fetchText, realEngine } from '../engine/helpers';
import { containersUnder, duplicatesOf, figure, ReliabilityWorkspace, stageMedian } from './helpers';
import { WINDOW_LAG } from './laggedMemento';
import { readSharedLeases } from './window';
import type { AppOutcome, WorkerConfig } from './workerProtocol';
import { Workers } from './workers';

/**
 * Issue 6 asks for two windows sharing 20 apps; issue 8 for eight sharing 40. Both run on podman:
 * the small one is the everyday case of two VS Code windows, the large one the stress. The small
 * one also runs on docker (issue 16); the large one stays podman-only to keep CI within its time.
 */
const LOADS: readonly { engine: EngineKind; windows: number; apps: number; range: { start: number; end: number } }[] = [
  { engine: 'podman', windows: 2, apps: 20, range: { start: 34000, end: 34049 } },
  { engine: 'podman', windows: 8, apps: 40, range: { start: 34000, end: 34099 } },
  { engine: 'docker', windows: 2, apps: 20, range: { start: 37400, end: 37449 } },
];
const POOL_RANGE = { start: 34100, end: 34109 };

function windowsFor(ws: ReliabilityWorkspace, apps: readonly AppRef[], windows: number, portRange: { start: number; end: number }, engine: EngineKind = 'podman'): WorkerConfig[] {
  return Array.from({ length: windows }, (_, w) => ({
    name: `window-${w}`,
    engine,
    shared: ws.shared,
    lag: WINDOW_LAG,
    portRange,
    apps: apps.filter((_, i) => i % windows === w),
    command: ['node', 'server.js'],
    mode: 'run',
  }));
}

/** Every lease table must hold exactly `expected` (app key → port), confirmed, on distinct ports. */
function assertLeases(table: readonly Lease[], expected: ReadonlyMap<string, number>, what: string): void {
  const byKey = new Map(table.map((l) => [l.key, l]));
  const missing = [...expected.keys()].filter((key) => !byKey.has(key));
  assert.deepEqual(missing, [], `${what}: leases lost`);
  const extra = table.filter((l) => !expected.has(l.key)).map((l) => `${l.appId}:${l.port}`);
  assert.deepEqual(extra, [], `${what}: leases nobody should hold`);
  for (const [key, port] of expected) {
    assert.equal(byKey.get(key)?.port, port, `${what}: lease of ${key}`);
    assert.equal(byKey.get(key)?.confirmed, true, `${what}: lease of ${key} confirmed`);
  }
  assert.deepEqual(duplicatesOf(table.map((l) => l.port)), [], `${what}: two leases on one port`);
}

/** Running containers of ours under the workspace: one per started app, on its leased port, loopback only. */
async function assertContainers(engine: ContainerEngine, root: string, started: readonly AppOutcome[]): Promise<number> {
  const containers = await containersUnder(engine, root);
  assert.equal(containers.length, started.length, `containers: ${containers.map((c) => `${c.name}(${c.state})`).join(', ')}`);
  const published = containers.flatMap((c) => c.ports.map((p) => p.hostPort));
  assert.deepEqual(duplicatesOf(published), [], 'two containers publish one port');
  for (const outcome of started) {
    const [container, ...more] = containers.filter((c) => c.labels[LABEL_PATH] === outcome.key);
    assert.ok(container && more.length === 0, `exactly one container for ${outcome.appId}`);
    assert.equal(container.running, true, `${container.name} runs`);
    assert.deepEqual(
      container.ports.map((p) => `${p.hostIp}:${p.hostPort}`),
      [`127.0.0.1:${outcome.port}`],
      `${outcome.appId} publishes exactly its leased port on loopback`,
    );
    assert.equal(labelledPort(container.labels), outcome.port);
  }
  return containers.length;
}

async function assertAnswering(apps: readonly AppRef[], started: readonly AppOutcome[]): Promise<void> {
  const names = new Map(apps.map((a) => [a.key, a.name]));
  const bodies = await Promise.all(started.map((o) => fetchText(`${o.url}name`)));
  started.forEach((outcome, i) => assert.equal(bodies[i], names.get(outcome.key), `${outcome.url} answers with its own content`));
}

/** What every window must agree on once the starts are over: containers, both lease tables, answers. */
async function assertFinalState(engine: ContainerEngine, ws: ReliabilityWorkspace, apps: readonly AppRef[], started: readonly AppOutcome[]): Promise<{ merged: Lease[]; containers: number }> {
  const containers = await assertContainers(engine, ws.root, started);
  // Let every globalState write reach every window before reading the final tables.
  await new Promise((resolve) => setTimeout(resolve, WINDOW_LAG.maxMs + 200));
  const expected = new Map(started.map((o) => [o.key, o.port!]));
  const { merged, globalState } = await readSharedLeases(ws.shared);
  assertLeases(merged, expected, 'merged lease table (globalState + journal)');
  assertLeases(globalState, expected, 'globalState once propagated');
  await assertAnswering(apps, started);
  return { merged, containers };
}

function describeFailures(outcomes: readonly AppOutcome[]): string {
  return outcomes
    .filter((o) => o.error)
    .map((o) => `${o.appId}: ${o.error?.name}: ${o.error?.message}`)
    .join('\n');
}

describe('Reliability: load across windows (separate processes, shared lagged globalState, real podman and docker)', function () {
  this.timeout(240_000);
  let engine: ContainerEngine;
  let ws: ReliabilityWorkspace | undefined;
  const workers = new Workers(() => ws!.scratch);

  afterEach(async () => {
    await workers.killAll();
    await ws?.cleanUp(engine);
    ws = undefined;
  });

  for (const { engine: kind, windows, apps: count, range } of LOADS) {
    it(`${windows} windows start ${count} apps at once (${kind}): 0 duplicate ports, 0 lost leases, every app answering with its own content`, async function () {
      engine = await realEngine(this, kind);
      ws = await ReliabilityWorkspace.create('load');
      const apps = await ws.addApps('app', count);
      const { results, wallMs } = await workers.runTogether(windowsFor(ws, apps, windows, range, kind));
      const outcomes = results.flatMap((r) => r.outcomes);
      assert.equal(outcomes.length, count);
      assert.equal(describeFailures(outcomes), '', 'every app started');
      const ports = outcomes.map((o) => o.port);
      assert.deepEqual(duplicatesOf(ports), [], 'duplicate ports handed out');

      const { merged } = await assertFinalState(engine, ws, apps, outcomes);

      const times = outcomes.map((o) => o.ms).sort((a, b) => a - b);
      figure(`load ${windows}x${count}${kind === 'podman' ? '' : ` ${kind}`}`, {
        engine: kind,
        processes: windows,
        apps: count,
        globalStateLagMs: `${WINDOW_LAG.minMs}-${WINDOW_LAG.maxMs}`,
        started: outcomes.length,
        duplicatePorts: duplicatesOf(ports).length,
        lostLeases: outcomes.filter((o) => !merged.some((l) => l.key === o.key)).length,
        answering: outcomes.length,
        wallMs,
        leasedMsMedian: stageMedian(outcomes, 'Creating the container'),
        runReturnedMsMedian: stageMedian(outcomes, 'Waiting for the app'),
        startMsMedian: times[Math.floor(times.length / 2)],
        startMsMax: times[times.length - 1],
        portsUsed: `${Math.min(...ports.map(Number))}-${Math.max(...ports.map(Number))}`,
      });
    });
  }

  it('pool of 10 ports, 12 apps from 4 windows: 10 run, 2 get PoolExhaustedError naming the holders, nothing half-created', async function () {
    engine = await realEngine(this);
    ws = await ReliabilityWorkspace.create('pool');
    const apps = await ws.addApps('pool', 12);
    const { results, wallMs } = await workers.runTogether(windowsFor(ws, apps, 4, POOL_RANGE));
    const outcomes = results.flatMap((r) => r.outcomes);
    const started = outcomes.filter((o) => !o.error);
    const refused = outcomes.filter((o) => o.error);
    assert.equal(started.length, 10, describeFailures(outcomes));
    assert.equal(refused.length, 2);
    assert.deepEqual(
      started.map((o) => o.port).sort(),
      Array.from({ length: 10 }, (_, i) => POOL_RANGE.start + i),
      'the 10 apps that run fill the pool',
    );
    const holders = new Set(started.map((o) => `${o.appId} :${o.port}`));
    for (const outcome of refused) {
      const error = outcome.error!;
      assert.equal(error.name, 'PoolExhaustedError', error.message);
      assert.match(error.message, /^The port pool is full: all 10 ports of 34100–34109 are leased or in use by other processes\. Leased: /);
      assert.match(error.message, /and 5 more\. Release the ports of deleted or long-unused apps \("Preview Containers: Release Unused Ports"\), release one \("Release App Port"\), or widen previewContainers\.portRange\.start\/end\.$/);
      assert.equal(error.setting, 'previewContainers.portRange');
      assert.deepEqual(new Set((error.holders ?? []).map((h) => `${h.appId} :${h.port}`)), holders, 'the error names every holder');
      const named = [...error.message.matchAll(/([a-z0-9-]+) :(\d+)/g)].map((m) => `${m[1]} :${m[2]}`);
      assert.equal(named.length, 5);
      assert.ok(named.every((h) => holders.has(h)), `named holders ${named.join(', ')} hold those ports`);
    }

    const { merged, containers } = await assertFinalState(engine, ws, apps, started);
    figure('pool-exhaustion', {
      processes: 4,
      apps: 12,
      poolPorts: 10,
      started: started.length,
      poolFullErrors: refused.length,
      extraContainers: containers - started.length,
      extraLeases: merged.length - started.length,
      wallMs,
    });
  });
});
