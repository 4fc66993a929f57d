import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AppDefinition } from '../../src/core/appFolder';
import type { AppRef } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { detectEngine } from '../../src/core/engine/detectEngine';
import { EngineProvider } from '../../src/core/engine/engineProvider';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { labelledPort, LABEL_PATH } from '../../src/core/engine/labels';
import type { RunSpec } from '../../src/core/engine/runArgs';
import { AppStartError, EngineNotFoundError, EngineNotRespondingError, PoolExhaustedError } from '../../src/core/errors';
import type { Lease } from '../../src/core/leaseStore';
import { Reconciler } from '../../src/core/reconciler';
import { fetchText, makeController, realEngine, TestWorkspace } from '../engine/helpers';
import { isPortFree } from '../harness/freePort';
import { RecordingLogger } from '../unit/helpers';
import { containersUnder, figure, ReliabilityWorkspace, scopedEngine, startEvents } from './helpers';
import { WINDOW_LAG } from './laggedMemento';
import { openWindow, readSharedLeases } from './window';
import type { WorkerConfig } from './workerProtocol';
import { waitForFile, Workers } from './workers';

const KILL_RANGE = { start: 34200, end: 34219 };
const ENGINE_RANGE = { start: 34220, end: 34229 };
const FOREIGN_RANGE = { start: 34230, end: 34239 };
const CRASH_RANGE = { start: 34240, end: 34249 };
const COMMAND = ['node', 'server.js'];

/** Runs the app's server directly (no npm in between: faster, same container). */
function withCommand(ref: AppRef): AppDefinition {
  return { ref, override: { path: ref.folder, command: COMMAND } };
}

/** The invariants repair must restore: every container has a lease, every unconfirmed lease a running container. */
async function orphansAndStale(engine: ContainerEngine, root: string, leases: readonly Lease[]): Promise<{ orphans: string[]; stale: string[] }> {
  const containers = await containersUnder(engine, root);
  const byKey = new Map(leases.map((l) => [l.key, l]));
  const orphans = containers.filter((c) => byKey.get(c.labels[LABEL_PATH] ?? '')?.port !== labelledPort(c.labels)).map((c) => c.name);
  const stale = leases
    .filter((l) => l.key.startsWith(root + path.sep) && !l.confirmed && !containers.some((c) => c.running && c.labels[LABEL_PATH] === l.key))
    .map((l) => l.appId);
  return { orphans, stale };
}

function listen(port: number, host: string, ipv6Only = false): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end('foreign\n'));
    server.once('error', reject);
    server.listen({ port, host, ipv6Only, exclusive: true }, () => resolve(server));
  });
}

function readForeign(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host }, () => undefined);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('Reliability: faults (real podman)', function () {
  this.timeout(120_000);
  let engine: ContainerEngine;
  let ws: ReliabilityWorkspace | undefined;
  let plain: TestWorkspace | undefined;
  const workers = new Workers(() => ws!.scratch);
  const servers: net.Server[] = [];

  before(async function () {
    engine = await realEngine(this);
  });

  afterEach(async () => {
    await workers.killAll();
    for (const server of servers.splice(0)) {
      await new Promise((resolve) => server.close(resolve));
    }
    await ws?.cleanUp(engine);
    await plain?.cleanUp(engine);
    ws = undefined;
    plain = undefined;
  });

  it('kill -9 of a window mid-start (after the lease before run, and after run), then a fresh window repairs: 0 orphan containers, 0 stale leases', async () => {
    ws = await ReliabilityWorkspace.create('kill');
    const [beforeRun, afterRun, finished] = (await ws.addApps('kill', 3)) as [AppRef, AppRef, AppRef];
    const reached = { before: path.join(ws.scratch, 'reached-before'), after: path.join(ws.scratch, 'reached-after') };
    const base = { shared: ws.shared, lag: WINDOW_LAG, portRange: KILL_RANGE, apps: [beforeRun, afterRun, finished], command: COMMAND } as const;
    const doomed = await workers.start({
      ...base,
      name: 'doomed',
      mode: 'run',
      pauses: [
        { appKey: beforeRun.key, at: 'beforeRun', reachedFile: reached.before },
        { appKey: afterRun.key, at: 'afterRun', reachedFile: reached.after },
      ],
    });
    await doomed.ready;
    doomed.go();
    await waitForFile(reached.before, 60_000, doomed);
    await waitForFile(reached.after, 60_000, doomed);
    const deadline = Date.now() + 60_000;
    while (!doomed.outcomes.some((o) => o.key === finished.key) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const finishedOutcome = doomed.outcomes.find((o) => o.key === finished.key);
    assert.ok(finishedOutcome?.port, `the third app started before the kill: ${JSON.stringify(finishedOutcome)}\n${doomed.log}`);
    await doomed.kill9();

    // What the killed window left: two unconfirmed leases, one of them without a container.
    const left = (await readSharedLeases(ws.shared)).merged;
    const leftBy = new Map(left.map((l) => [l.key, l]));
    assert.equal(leftBy.get(beforeRun.key)?.confirmed, false, 'lease taken before run');
    assert.equal(leftBy.get(afterRun.key)?.confirmed, false, 'lease of the started container, unconfirmed');
    assert.equal(leftBy.get(finished.key)?.confirmed, true);
    const leftContainers = await containersUnder(engine, ws.root);
    assert.deepEqual(leftContainers.map((c) => c.labels[LABEL_PATH]).sort(), [afterRun.key, finished.key].sort());
    const before = await orphansAndStale(engine, ws.root, left);
    assert.deepEqual(before.stale, [beforeRun.appId], 'the kill left exactly one stale lease');

    const fresh: WorkerConfig = { ...base, name: 'fresh', mode: 'reconcile', scopeRoot: ws.root, reconcile: { passes: 16, intervalMs: 150, options: { missesBeforeRepair: 3, minMissSpacingMs: 100, freshLeaseMs: 1000 } } };
    const { results } = await workers.runTogether([fresh]);
    const reports = results.flatMap((r) => r.reports);
    assert.deepEqual(reports.flatMap((r) => r.releasedLeases), [beforeRun.appId], 'the stale lease is released once');
    assert.deepEqual(reports.flatMap((r) => r.removedContainers), [], 'no running app is torn down');
    assert.deepEqual(reports.flatMap((r) => r.adopted), [afterRun.appId], 'the container started before the kill is adopted, once');

    const after = (await readSharedLeases(ws.shared)).merged;
    const afterBy = new Map(after.map((l) => [l.key, l]));
    const { orphans, stale } = await orphansAndStale(engine, ws.root, after);
    assert.deepEqual(orphans, [], 'orphan containers');
    assert.deepEqual(stale, [], 'stale leases');
    assert.equal(afterBy.get(beforeRun.key), undefined, 'the port leased before run is free again');
    assert.equal(afterBy.get(afterRun.key)?.port, leftBy.get(afterRun.key)?.port, 'the container started before the kill keeps its port');
    assert.equal(afterBy.get(afterRun.key)?.confirmed, true, 'adopted: its running container proves the lease');
    assert.equal(afterBy.get(finished.key)?.port, finishedOutcome.port);
    assert.equal(await fetchText(`http://127.0.0.1:${afterBy.get(afterRun.key)?.port}/name`), afterRun.name);
    assert.equal(await fetchText(`${finishedOutcome.url}name`), finished.name);
    const adoptedPasses = reports.filter((r) => r.adopted.length > 0).length;
    figure('kill-9 mid-start', {
      processes: 2,
      killedAt: 'beforeRun+afterRun',
      leasesBefore: left.length,
      staleBefore: before.stale.length,
      releasedLeases: reports.flatMap((r) => r.releasedLeases).length,
      removedContainers: reports.flatMap((r) => r.removedContainers).length,
      adoptedPasses,
      orphansAfter: orphans.length,
      staleAfter: stale.length,
    });
  });

  it('engine binary gone or not answering mid-run: a clear error, nothing half-allocated, recovery when it returns', async () => {
    ws = await ReliabilityWorkspace.create('engine');
    const [a, b, c, d] = (await ws.addApps('eng', 4)) as [AppRef, AppRef, AppRef, AppRef];
    const bin = path.join(ws.scratch, 'engine-bin');
    const away = `${bin}.away`;
    const wrapper = path.join(bin, 'podman');
    // The wrapper's own folder is not on PATH: `exec podman` reaches the real one.
    const podmanScript = '#!/bin/sh\nexec podman "$@"\n';
    const downScript = '#!/bin/sh\necho \'Error: unable to connect to Podman socket: Get "http://d/v4.3.1/libpod/_ping": dial unix /run/podman/podman.sock: connect: connection refused\' >&2\nexit 125\n';
    await fs.mkdir(bin);
    await fs.writeFile(wrapper, podmanScript, { mode: 0o755 });
    // Breaks the engine the moment `run` is called: after the port was leased, before the container exists.
    let breakOnRun: (() => Promise<void>) | undefined;
    const engines = new EngineProvider(async () => {
      const detected = await detectEngine({ choice: 'auto', enginePath: wrapper, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });
      const run = async (spec: RunSpec): Promise<string> => {
        const breakIt = breakOnRun;
        breakOnRun = undefined;
        await breakIt?.();
        return detected.run(spec);
      };
      return Object.assign(Object.create(detected) as ContainerEngine, { run });
    });
    const window = openWindow({ name: 'engine', shared: ws.shared, portRange: ENGINE_RANGE, engines });
    const errors: string[] = [];
    // What EngineStatus.record does in the extension: forget the engine so the next use re-detects.
    const run = async (ref: AppRef): Promise<number> => {
      try {
        return (await window.controller.run(withCommand(ref))).port;
      } catch (error) {
        if (error instanceof EngineNotFoundError || error instanceof EngineNotRespondingError) {
          engines.invalidate();
        }
        throw error;
      }
    };
    const expectFailure = async (ref: AppRef, type: typeof EngineNotFoundError | typeof EngineNotRespondingError, pattern: RegExp, running: readonly AppRef[]): Promise<void> => {
      await assert.rejects(run(ref), (error: unknown) => {
        assert.ok(error instanceof type, `${ref.appId}: ${String(error)}`);
        assert.match(error.message, pattern);
        errors.push(error.name);
        return true;
      });
      const leases = await window.allocator.leases();
      assert.deepEqual(leases.map((l) => l.key).sort(), running.map((r) => r.key).sort(), `no lease left for ${ref.appId}`);
      const containers = await containersUnder(engine, ws!.root);
      assert.deepEqual(containers.map((x) => x.labels[LABEL_PATH]).sort(), running.map((r) => r.key).sort(), `no container left for ${ref.appId}`);
    };
    const notFound = new RegExp(`No container engine found \\(tried ${wrapper.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\\. .*previewContainers\\.enginePath`);
    const notAnswering = /^podman is installed but its engine is not answering: unable to connect to Podman socket: .*connection refused\. Check "podman info"/;

    const portA = await run(a);
    // Gone before a start: detection fails, nothing is leased.
    await fs.rename(bin, away);
    await expectFailure(b, EngineNotFoundError, notFound, [a]);
    await assert.rejects(engines.get(), EngineNotFoundError);
    // Back: the provider detects it again.
    await fs.rename(away, bin);
    const portB = await run(b);
    // Gone mid-start: the port was leased, then `run` finds no engine; the lease is given back.
    breakOnRun = () => fs.rename(bin, away);
    await expectFailure(c, EngineNotFoundError, notFound, [a, b]);
    await fs.rename(away, bin);
    // Installed but not answering, before a start and mid-start.
    await fs.writeFile(wrapper, downScript);
    await expectFailure(c, EngineNotRespondingError, notAnswering, [a, b]);
    await fs.writeFile(wrapper, podmanScript);
    breakOnRun = () => fs.writeFile(wrapper, downScript);
    await expectFailure(d, EngineNotRespondingError, notAnswering, [a, b]);
    await fs.writeFile(wrapper, podmanScript);
    // Recovery: everything runs and answers, the earlier apps were never disturbed.
    const portC = await run(c);
    const portD = await run(d);
    const ports = [portA, portB, portC, portD];
    assert.equal(new Set(ports).size, 4);
    for (const [ref, port] of [a, b, c, d].map((r, i) => [r, ports[i]] as const)) {
      assert.equal(await fetchText(`http://127.0.0.1:${port}/name`), ref.name);
    }
    figure('engine unavailable', { failuresProvoked: errors.length, errors, leasesOrContainersLeft: 0, recoveredApps: 4 });
  });

  it('foreign IPv4-only and IPv6-only listeners on pool ports are skipped by real allocations; the container lands elsewhere', async () => {
    plain = await TestWorkspace.create('pc-rel-foreign');
    const v4 = FOREIGN_RANGE.start;
    const v6 = FOREIGN_RANGE.start + 1;
    servers.push(await listen(v4, '127.0.0.1'), await listen(v6, '::1', true));
    // Each listener holds one family only: a probe of 127.0.0.1 alone would miss the IPv6 one.
    assert.equal(await isPortFree(v4, '::1'), true, `::1:${v4} is free`);
    assert.equal(await isPortFree(v6, '127.0.0.1'), true, `127.0.0.1:${v6} is free`);
    const { controller, allocator } = makeController(engine, FOREIGN_RANGE);
    const first = await controller.run(withCommand(await plain.addApp('first')));
    const second = await controller.run(withCommand(await plain.addApp('second')));
    assert.deepEqual([first.port, second.port], [v6 + 1, v6 + 2]);
    assert.equal(await fetchText(`${first.url}name`), 'first');
    assert.equal(await fetchText(`${second.url}name`), 'second');
    // Fill the rest of the pool: the two foreign ports are never handed out, even under pressure.
    const extra: number[] = [];
    for (let i = 0; ; i++) {
      try {
        extra.push((await allocator.allocatePort({ key: `/nowhere/extra-${i}`, appId: `extra-${i}`, folder: `/nowhere/extra-${i}`, name: `extra-${i}`, root: '/nowhere' })).port);
      } catch (error) {
        assert.ok(error instanceof PoolExhaustedError, String(error));
        assert.equal(error.holders.length, 8, 'a full pool of 10 with 2 foreign ports holds 8 leases');
        break;
      }
    }
    assert.ok(![v4, v6].some((p) => extra.includes(p)), `extra leases ${extra.join(', ')}`);
    assert.equal(await readForeign(v4, '127.0.0.1'), 'foreign\n', 'the IPv4 listener is undisturbed');
    assert.equal(await readForeign(v6, '::1'), 'foreign\n', 'the IPv6 listener is undisturbed');
    figure('foreign listeners', { foreignPorts: [v4, v6], containersAt: [first.port, second.port], extraLeases: extra.length, foreignHandedOut: 0 });
  });

  it('an app that crashes in a loop is reported failed with its log lines, with exactly one start per run request (no restart storm)', async () => {
    plain = await TestWorkspace.create('pc-rel-crash');
    const crashy = await plain.addApp('crashy', { serverCode: "console.log('booting crashy');\nconsole.error('fatal: config missing');\nprocess.exit(3);\n" });
    const { controller, allocator, logger } = makeController(engine, CRASH_RANGE);
    const since = Date.now();
    const requests = 3;
    for (let i = 0; i < requests; i++) {
      await assert.rejects(controller.run(withCommand(crashy)), (error: unknown) => {
        assert.ok(error instanceof AppStartError, String(error));
        assert.match(error.message, /^crashy did not start: its command \(node server\.js\) exited with code 3 before answering HTTP\. It says: fatal: config missing\nLog \(last \d+ lines\):\n/);
        assert.ok(error.logLines.includes('booting crashy') && error.logLines.includes('fatal: config missing'), error.logLines.join('\n'));
        return true;
      });
      assert.equal(controller.stateOf(crashy).status, 'failed');
      assert.equal(await allocator.leaseOf(crashy.key), undefined, 'no lease kept for a failed first start');
      assert.deepEqual(await containersUnder(engine, plain.root), [], 'no container left');
    }
    // The backstop reconcile never restarts it either; wait out any restart policy.
    const reconciler = new Reconciler({ controller, allocator, engine: () => Promise.resolve(scopedEngine(engine, plain!.root)), apps: () => [crashy], logger, clock: Date.now });
    await reconciler.reconcile();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const starts = await startEvents(crashy.folder, since);
    assert.equal(starts, requests, 'container starts');
    figure('crash loop', { runRequests: requests, containerStarts: starts, reportedFailed: requests, leftContainers: 0, leftLeases: 0 });
  });
});
