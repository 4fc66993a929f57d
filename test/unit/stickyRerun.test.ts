import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { containerNameFor } from '../../src/core/appIdentity';
import { FakeEngine } from './fakeEngine';
import { fakeWorld } from './fakeWorld';
import { app, FakeClock } from './helpers';

// Real sockets (the bind probe is real); away from the other unit suites' ranges.
const START = 33150;

/** `ps` calls (engine lists) and `run` calls the engine saw since the last reset. */
function counts(engine: FakeEngine): { ps: number; run: number } {
  return { ps: engine.calls.filter((c) => c === 'ps').length, run: engine.calls.filter((c) => c === 'run').length };
}

describe('a sticky re-run skips the container list only when nothing can be there', () => {
  const engines: FakeEngine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) {
      await engine.closeAll();
    }
  });
  function make() {
    const world = fakeWorld({ start: START, settings: { pullPolicy: 'never' }, clock: new FakeClock(Date.now()) });
    engines.push(world.engine);
    return world;
  }

  /** Runs the app once (a confirmed lease), then removes its container the way reconcile would learn it. */
  async function ranOnceThenRemoved(world: ReturnType<typeof make>, name: string) {
    const ref = app(name);
    const first = await world.controller.run({ ref });
    await world.engine.remove(first.containerId);
    world.controller.observe(ref, undefined);
    world.engine.calls.length = 0;
    return { ref, first };
  }

  it('no list when the lease is confirmed, its port is free and no container of the app is known', async () => {
    const world = make();
    const { ref, first } = await ranOnceThenRemoved(world, 'web');
    const again = await world.controller.run({ ref });
    assert.equal(again.port, first.port, 'the sticky port');
    assert.deepEqual(counts(world.engine), { ps: 0, run: 1 }, world.engine.calls.join(','));
  });

  it('a stopped container under its name that the state did not know: the run clashes, clears it and starts', async () => {
    const world = make();
    const { ref, first } = await ranOnceThenRemoved(world, 'stale');
    // Left by another window (or before a reload): stopped, so it holds no port.
    const stale = await world.engine.run({ ...(await leaseLike(world, ref)), name: containerNameFor(ref) });
    await world.engine.stop(stale);
    world.engine.calls.length = 0;
    const again = await world.controller.run({ ref });
    assert.equal(again.port, first.port);
    assert.equal(counts(world.engine).run, 2, 'one clash, one start');
    assert.ok(![...world.engine.containers.keys()].includes(stale), 'the stale container is gone');
  });

  it('Stop, then Run: no list; the stopped container is removed by id, then one run on the sticky port', async () => {
    const world = make();
    const ref = app('stopped');
    const first = await world.controller.run({ ref });
    await world.controller.stop(ref);
    world.engine.calls.length = 0;
    const again = await world.controller.run({ ref });
    assert.equal(again.port, first.port);
    assert.deepEqual(counts(world.engine), { ps: 0, run: 1 }, world.engine.calls.join(','));
    assert.ok(![...world.engine.containers.keys()].includes(first.containerId), 'the stopped container is gone');
  });

  it('lists when the state knows a running container of the app whose port is free (it died unseen)', async () => {
    const world = make();
    const ref = app('vanished');
    const first = await world.controller.run({ ref });
    await world.engine.remove(first.containerId); // the state still says running
    world.engine.calls.length = 0;
    await world.controller.run({ ref });
    assert.ok(counts(world.engine).ps >= 1, world.engine.calls.join(','));
  });

  it('lists when the sticky port is taken (a running container or any process holds it)', async () => {
    const world = make();
    const { ref, first } = await ranOnceThenRemoved(world, 'busy');
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(first.port, '127.0.0.1', resolve));
    try {
      const again = await world.controller.run({ ref });
      assert.ok(counts(world.engine).ps >= 1, world.engine.calls.join(','));
      assert.notEqual(again.port, first.port, 'moved off the taken port');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('lists for a remote engine (its ports cannot be probed from here)', async () => {
    const world = make();
    const { ref } = await ranOnceThenRemoved(world, 'remote');
    world.engine.host = '127.0.0.1';
    await world.controller.run({ ref }).catch(() => undefined);
    assert.ok(counts(world.engine).ps >= 1, world.engine.calls.join(','));
  });
});

/** A RunSpec for a raw fake container on another port of the pool (it is stopped at once). */
async function leaseLike(world: ReturnType<typeof fakeWorld>, ref: ReturnType<typeof app>) {
  const other = app(`${ref.appId}-holder`);
  const lease = await world.allocator.allocatePort(other);
  await world.allocator.releasePort(other);
  return { lease, image: 'localhost/preview-node:test', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {}, volumes: [], sourceFolder: ref.folder, hiddenSourceEntries: [] };
}
