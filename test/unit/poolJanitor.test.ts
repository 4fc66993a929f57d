import * as assert from 'node:assert/strict';
import type { AppRef } from '../../src/core/appIdentity';
import { dependencyVolumeFor } from '../../src/core/appIdentity';
import { PoolExhaustedError } from '../../src/core/errors';
import { DAY_MS } from '../../src/core/leaseExpiry';
import { fakeWorld } from './fakeWorld';
import { app } from './helpers';

const START = 37700;

describe('lease expiry (PoolJanitor, fake engine, injected clock)', () => {
  const worlds: ReturnType<typeof fakeWorld>[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) {
      await w.engine.closeAll();
    }
  });
  /** A world whose folders exist unless deleted (the fake folders are not on disk). */
  const make = (apps: AppRef[], settings: Record<string, unknown> = {}) => {
    const deleted = new Set<string>();
    const w = fakeWorld({ start: START, apps, settings: { idleTimeoutMinutes: 0, ...settings }, folderExists: (folder) => Promise.resolve(!deleted.has(folder)) });
    worlds.push(w);
    return { ...w, deleteFolder: (a: AppRef) => deleted.add(a.key) };
  };

  it('releases the lease of a deleted folder at the next reconcile, with its stopped container and dependency cache', async () => {
    const web = app('web');
    const w = make([web]);
    const { containerId, port } = await w.controller.run({ ref: web });
    await w.controller.stop(web);
    w.deleteFolder(web);
    const report = await w.reconciler.reconcile();
    assert.deepEqual(report.collected.map((c) => [c.appId, c.port, c.reason]), [['web', port, 'folderGone']]);
    assert.equal(await w.allocator.leaseOf(web.key), undefined);
    assert.equal(await w.engine.inspect(containerId), undefined, 'the stopped container went too');
    assert.ok(w.engine.removedVolumes.includes(dependencyVolumeFor(web)), 'and its dependency cache');
  });

  it('never releases the lease of a running container, even when its folder looks gone', async () => {
    const web = app('web');
    const w = make([web]);
    const { port } = await w.controller.run({ ref: web });
    w.deleteFolder(web);
    assert.deepEqual((await w.reconciler.reconcile()).collected, []);
    assert.equal(await w.allocator.leaseOf(web.key), port);
  });

  it('keeps a stopped app\'s sticky port inside the expiry window and releases it after', async () => {
    const web = app('web');
    const w = make([web], { leaseExpiryDays: 30 });
    const { port } = await w.controller.run({ ref: web });
    await w.controller.stop(web);
    for (let day = 0; day < 29; day++) {
      w.clock.advance(DAY_MS);
      assert.deepEqual((await w.reconciler.reconcile()).collected, [], `day ${day + 1}`);
    }
    // Used again on day 29: the clock starts over, and the port is the same.
    assert.equal((await w.controller.run({ ref: web })).port, port);
    await w.controller.stop(web);
    w.clock.advance(29 * DAY_MS);
    assert.deepEqual((await w.reconciler.reconcile()).collected, []);
    w.clock.advance(2 * DAY_MS);
    const report = await w.reconciler.reconcile();
    assert.deepEqual(report.collected.map((c) => [c.appId, c.reason]), [['web', 'expired']]);
    assert.equal(await w.allocator.leaseOf(web.key), undefined);
  });

  it('leaseExpiryDays 0 never expires a lease; a running app never expires', async () => {
    const stopped = app('stopped');
    const running = app('running');
    const w = make([stopped, running], { leaseExpiryDays: 0 });
    await w.controller.run({ ref: stopped });
    await w.controller.stop(stopped);
    await w.controller.run({ ref: running });
    w.clock.advance(3650 * DAY_MS);
    assert.deepEqual((await w.reconciler.reconcile()).collected, []);
    w.setSettings({ ...w.settings(), leaseExpiryDays: 1 });
    w.clock.advance(2 * DAY_MS);
    const report = await w.reconciler.reconcile();
    assert.deepEqual(report.collected.map((c) => c.appId), ['stopped'], 'the running one is in use');
    assert.notEqual(await w.allocator.leaseOf(running.key), undefined);
  });

  it('a full pool releases dead leases and the start goes on; "Release Unused Ports" says what is left', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => app(n));
    const w = make([a, b, c, d], { 'portRange.end': START + 2, leaseExpiryDays: 30 });
    for (const x of [a, b, c]) {
      await w.controller.run({ ref: x });
      await w.controller.stop(x);
    }
    // Five passes a day apart release nothing (inside the window), and the pool is full.
    for (let day = 0; day < 5; day++) {
      w.clock.advance(DAY_MS);
      await w.reconciler.reconcile();
    }
    await assert.rejects(w.allocator.allocatePort(d), PoolExhaustedError);
    w.deleteFolder(b);
    const { port } = await w.controller.run({ ref: d });
    assert.equal(port, START + 1, 'b\'s port, released on the spot');
    w.clock.advance(40 * DAY_MS);
    await w.controller.stop(d);
    const cleanup = await w.core.releaseUnused();
    assert.deepEqual(cleanup.released.map((r) => r.appId).sort(), ['a', 'c']);
    assert.deepEqual(cleanup.left, { size: 3, leased: 1, running: 0 }, 'd was used just now');
  });
});
