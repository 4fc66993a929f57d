import * as assert from 'node:assert/strict';
import { EventFollower } from '../../src/core/eventFollower';
import { IdleReaper, warningLeadMs } from '../../src/core/idleReaper';
import { LEASES_KEY } from '../../src/core/leaseStore';
import { InMemoryMemento } from '../../src/core/memento';
import { Reconciler } from '../../src/core/reconciler';
import type { AppRef } from '../../src/core/appIdentity';
import { FakeEngine } from './fakeEngine';
import { fakeWorld } from './fakeWorld';
import { app, FakeClock, RecordingLogger } from './helpers';

const START = 33200;

function world(options: { apps?: AppRef[]; memento?: InMemoryMemento; engine?: FakeEngine; clock?: FakeClock } = {}) {
  return fakeWorld({ start: START, settings: { idleTimeoutMinutes: 15 }, ...options });
}

describe('lifecycle (fake engine, fake clock)', () => {
  const engines: FakeEngine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) {
      await e.closeAll();
    }
  });
  const make = (options: Parameters<typeof world>[0] = {}) => {
    const w = world(options);
    engines.push(w.engine);
    return w;
  };

  describe('Reconciler', () => {
    it('adopts a running container after globalState was lost: lease restored from its labels', async () => {
      const web = app('web');
      const first = make({ apps: [web] });
      const { port } = await first.controller.run({ ref: web });
      // A new window / session with an empty globalState, same engine.
      const second = make({ apps: [web], engine: first.engine });
      assert.equal(await second.allocator.leaseOf(web.key), undefined);
      const report = await second.reconciler.reconcile();
      assert.deepEqual(report.adopted, ['web']);
      assert.equal(await second.allocator.leaseOf(web.key), port);
      assert.equal(second.controller.stateOf(web).status, 'running');
      assert.equal(second.controller.stateOf(web).port, port);
    });

    it('leaves containers of other workspaces to their windows, yet never hands out their ports', async () => {
      const other = app('other-workspace-app', '/home/dev/other');
      const first = make();
      const { port } = await first.controller.run({ ref: other });
      // Another installation (its own globalState) on the same engine.
      const second = make({ engine: first.engine });
      const report = await second.reconciler.reconcile();
      assert.deepEqual(report.adopted, []);
      assert.equal(await second.allocator.leaseOf(other.key), undefined);
      const mine = await second.allocator.allocatePort(app('mine'));
      assert.notEqual(mine.port, port, 'the engine view protects the port');
      for (let i = 0; i < 5; i++) {
        second.clock.advance(20_000);
        assert.deepEqual((await second.reconciler.reconcile()).removedContainers, []);
      }
    });

    it('only events of this window\'s apps ask for an observe pass; a pass that changes nothing repaints nothing', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      const { containerId } = await w.controller.run({ ref: web });
      const event = (path: string) => ({ id: containerId, name: 'x', action: 'die' as const, rawAction: 'died', labels: { 'previewContainers.path': path }, time: 0, exitCode: 0 });
      assert.equal(w.reconciler.concerns([event(web.key)]), true);
      assert.equal(w.reconciler.concerns([event('/home/dev/other/app')]), false);
      assert.equal(w.reconciler.concerns([]), false);

      // The first pass may still learn something (the engine's own start time); later ones must not.
      await w.reconciler.reconcile({ repair: false });
      const announced: string[] = [];
      w.controller.onDidChangeState((state) => announced.push(`${state.app.appId}:${state.status}`));
      await w.reconciler.reconcile({ repair: false });
      await w.reconciler.reconcile({ repair: false });
      assert.deepEqual(announced, [], 'nothing changed, nothing announced');
      await w.engine.stop(containerId);
      await w.reconciler.reconcile({ repair: false });
      assert.deepEqual(announced, ['web:stopped']);
    });

    it('a call made while a pass is in flight gets a pass that starts after it (a new engine setting, its error, reach the caller)', async () => {
      const w = make();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const reconciler = new Reconciler({
        controller: w.controller,
        allocator: w.allocator,
        // The first pass still uses the old engine (slow); then the setting points nowhere.
        engine: async () => (++calls === 1 ? gate.then(() => w.engine) : Promise.reject(new Error('No container engine was found'))),
        apps: () => [],
        logger: w.logger,
        clock: w.clock.read,
      });
      const first = reconciler.reconcile();
      const second = reconciler.reconcile();
      const third = reconciler.reconcile({ repair: false });
      release();
      await first;
      await assert.rejects(second, /No container engine was found/);
      await assert.rejects(third, /No container engine was found/);
      assert.equal(calls, 2, 'the two later calls shared one pass');
    });

    it('keeps the lease of a vanished container as a sticky reservation (stopped), never reassigns it', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      const { port, containerId } = await w.controller.run({ ref: web });
      await w.engine.remove(containerId); // `podman rm -f` outside the editor
      for (let i = 0; i < 5; i++) {
        await w.reconciler.reconcile();
        w.clock.advance(60_000);
      }
      assert.equal(w.controller.stateOf(web).status, 'stopped');
      assert.equal(w.controller.stateOf(web).port, port);
      assert.equal(await w.allocator.leaseOf(web.key), port);
      assert.notEqual((await w.allocator.allocatePort(app('newcomer'))).port, port);
    });

    it('repairs an unconfirmed lease (a start whose window died) only after 3 spaced misses', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      await w.allocator.allocatePort(web); // lease made, then the window "died" before run
      w.clock.advance(61_000); // older than a start in flight could be
      assert.deepEqual((await w.reconciler.reconcile()).releasedLeases, []);
      assert.deepEqual((await w.reconciler.reconcile()).releasedLeases, [], 'an immediate second pass does not count');
      w.clock.advance(10_000);
      assert.deepEqual((await w.reconciler.reconcile()).releasedLeases, []);
      w.clock.advance(10_000);
      assert.deepEqual((await w.reconciler.reconcile()).releasedLeases, ['web']);
      assert.equal(await w.allocator.leaseOf(web.key), undefined);
    });

    it('never repairs a start in flight: a fresh (heart-beating) unconfirmed lease is not a miss', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      await w.allocator.allocatePort(web);
      for (let i = 0; i < 6; i++) {
        w.clock.advance(20_000);
        await w.allocator.touch(web);
        assert.deepEqual((await w.reconciler.reconcile()).releasedLeases, []);
      }
      assert.notEqual(await w.allocator.leaseOf(web.key), undefined);
    });

    it('removes a stopped container of ours that nobody leases and whose port another app holds', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      const { containerId, port } = await w.controller.run({ ref: web });
      await w.controller.stop(web);
      await w.allocator.flush();
      // globalState lost web's lease, and another app got its port meanwhile.
      await w.memento.update(LEASES_KEY, { version: 1, leases: [{ key: app('thief').key, appId: 'thief', port, allocatedAt: w.clock.now, updatedAt: w.clock.now, confirmed: true }] });
      for (let i = 0; i < 2; i++) {
        assert.deepEqual((await w.reconciler.reconcile()).removedContainers, []);
        w.clock.advance(11_000);
      }
      assert.equal((await w.reconciler.reconcile()).removedContainers.length, 1);
      assert.equal(await w.engine.inspect(containerId), undefined);
    });

    it('observes an external stop and start', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      const { containerId } = await w.controller.run({ ref: web });
      w.engine.externalStop(containerId);
      await w.reconciler.reconcile({ repair: false });
      assert.equal(w.controller.stateOf(web).status, 'stopped');
    });
  });

  describe('EventFollower', () => {
    it('debounces bursts into one batch and reconnects with back-off when the stream ends', async () => {
      const engine = new FakeEngine();
      engines.push(engine);
      let connects = 0;
      const endings: (() => void)[] = [];
      const flaky = Object.assign(Object.create(engine) as FakeEngine, {
        events: (onEvent: (e: unknown) => void, signal: AbortSignal) => {
          connects++;
          return new Promise<{ reason: string }>((resolve) => {
            endings.push(() => resolve({ reason: 'stream died' }));
            signal.addEventListener('abort', () => resolve({ reason: 'cancelled' }), { once: true });
            if (connects === 1) {
              for (let i = 0; i < 5; i++) {
                onEvent({ id: `c${i}`, name: 'x', action: 'die', rawAction: 'died', labels: {}, time: 0, exitCode: 0 });
              }
            }
          });
        },
      });
      const batches: number[] = [];
      let reconnects = 0;
      const follower = new EventFollower({
        engine: () => Promise.resolve(flaky),
        onEvents: (events) => batches.push(events.length),
        onReconnect: () => reconnects++,
        logger: new RecordingLogger(),
        debounceMs: 20,
        initialBackoffMs: 10,
        maxBackoffMs: 40,
      });
      follower.start();
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.deepEqual(batches, [5]);
      endings.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(connects, 2);
      assert.equal(reconnects, 1);
      await follower.stop();
      assert.equal(follower.active, false);
    });
  });

  describe('IdleReaper', () => {
    function reaperFor(w: ReturnType<typeof world>, visible: string[] = [], timeoutMinutes = 15) {
      const warnings: string[] = [];
      let keep = false;
      const reaper = new IdleReaper({
        controller: w.controller,
        allocator: w.allocator,
        engine: () => Promise.resolve(w.engine),
        apps: () => w.apps,
        visibleAppKeys: () => visible,
        settings: () => ({ idleTimeoutMinutes: timeoutMinutes, releasePortOnIdle: true }),
        clock: w.clock.read,
        logger: w.logger,
        warn: async (a) => {
          warnings.push(a.appId);
          return keep;
        },
      });
      return { reaper, warnings, setKeep: (k: boolean) => (keep = k) };
    }

    it('warns shortly before, then stops and releases an idle app at the timeout', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      await w.controller.run({ ref: web });
      const { reaper, warnings } = reaperFor(w);
      const timeout = 15 * 60_000;
      w.clock.advance(timeout - warningLeadMs(timeout) - 1000);
      assert.deepEqual(await reaper.tick(), { stopped: [], warned: [] });
      w.clock.advance(2000);
      assert.deepEqual((await reaper.tick()).warned, ['web']);
      assert.deepEqual((await reaper.tick()).warned, [], 'warned once');
      assert.ok(((await reaper.stopsIn(web, w.controller.stateOf(web).startedAt)) ?? 0) > 0, 'countdown visible');
      w.clock.advance(warningLeadMs(timeout));
      assert.deepEqual((await reaper.tick()).stopped, ['web']);
      assert.deepEqual(warnings, ['web']);
      assert.equal(w.controller.stateOf(web).status, 'stopped');
      assert.equal(await w.allocator.leaseOf(web.key), undefined, 'port released (releasePortOnIdle)');
    });

    it('keeps the idle app\'s dependency cache when it releases its port', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      await w.controller.run({ ref: web });
      const { reaper } = reaperFor(w);
      w.clock.advance(16 * 60_000);
      assert.deepEqual((await reaper.tick()).stopped, ['web']);
      assert.deepEqual(w.engine.removedVolumes, []);
    });

    it('leaves alone the apps of another installation (its own lease table) and starts in flight', async () => {
      const theirs = app('theirs', '/home/dev/elsewhere');
      const clock = new FakeClock(Date.now());
      const other = make({ clock }); // e.g. VS Code Insiders on the same podman: another globalState
      await other.controller.run({ ref: theirs });
      const w = make({ clock, engine: other.engine });
      const { reaper } = reaperFor(w);
      clock.advance(60 * 60_000);
      assert.deepEqual((await reaper.tick()).stopped, [], 'no lease here: its activity is not visible here');
      assert.equal([...other.engine.containers.values()].filter((c) => c.running).length, 1);

      // Another window of this installation is starting an app (container up, lease not confirmed yet).
      const slow = app('slow');
      const x = make({ apps: [], clock, engine: other.engine, memento: w.memento });
      x.engine.behaviour = () => 'never';
      const cancel = new AbortController();
      const starting = x.controller.run({ ref: slow }, { signal: cancel.signal }).catch(() => undefined);
      while (![...x.engine.containers.values()].some((c) => c.labels['previewContainers.path'] === slow.key)) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await x.allocator.flush(); // x's write reaches the shared globalState
      assert.equal((await w.allocator.lease(slow.key))?.confirmed, false);
      clock.advance(60 * 60_000);
      assert.deepEqual((await reaper.tick()).stopped, [], 'a start in flight is not idle');
      cancel.abort();
      await starting;
    });

    it('never reaps an app whose preview is visible', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      await w.controller.run({ ref: web });
      const { reaper } = reaperFor(w, [web.key]);
      w.clock.advance(60 * 60_000);
      assert.deepEqual(await reaper.tick(), { stopped: [], warned: [] });
      assert.equal(w.controller.stateOf(web).status, 'running');
    });

    it('"Keep running" and explicit activity restart the idle clock', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      await w.controller.run({ ref: web });
      const { reaper, setKeep } = reaperFor(w);
      setKeep(true);
      w.clock.advance(14 * 60_000);
      assert.deepEqual((await reaper.tick()).warned, ['web']);
      await new Promise((resolve) => setImmediate(resolve)); // the "Keep running" answer lands
      w.clock.advance(2 * 60_000);
      assert.deepEqual((await reaper.tick()).stopped, []);
      await reaper.markActive(web);
      w.clock.advance(10 * 60_000);
      assert.deepEqual((await reaper.tick()).stopped, []);
    });

    it('does not stop an app whose preview is open in another window (activity in the shared table)', async () => {
      const web = app('web');
      const memento = new InMemoryMemento();
      const clock = new FakeClock(Date.now());
      const windowA = make({ apps: [web], memento, clock });
      await windowA.controller.run({ ref: web });
      const windowB = make({ apps: [web], memento, clock, engine: windowA.engine });
      const a = reaperFor(windowA, [web.key]);
      const b = reaperFor(windowB, []);
      for (let minute = 0; minute < 40; minute++) {
        clock.advance(60_000);
        await a.reaper.tick();
        await windowA.allocator.flush(); // A's write reaches the shared globalState
        assert.deepEqual((await b.reaper.tick()).stopped, [], `minute ${minute}`);
      }
      assert.equal(windowA.engine.containers.size, 1);
    });

    it('0 means never', async () => {
      const web = app('web');
      const w = make({ apps: [web] });
      await w.controller.run({ ref: web });
      const { reaper } = reaperFor(w, [], 0);
      w.clock.advance(24 * 60 * 60_000);
      assert.deepEqual(await reaper.tick(), { stopped: [], warned: [] });
      assert.equal(await reaper.stopsIn(web, undefined), undefined);
    });
  });
});
