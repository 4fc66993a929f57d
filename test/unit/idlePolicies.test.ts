import * as assert from 'node:assert/strict';
import { InMemoryMemento } from '../../src/core/memento';
import { FakeEngine } from './fakeEngine';
import { fakeWorld } from './fakeWorld';
import { app, FakeClock } from './helpers';

const START = 37740;

/** Two windows of one installation (one globalState, one engine, one clock), each with its own idle settings. */
describe('idle policies across windows (fake engine, injected clock)', () => {
  const engines: FakeEngine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) {
      await e.closeAll();
    }
  });
  const windows = (first: Record<string, unknown>, second: Record<string, unknown>) => {
    const engine = new FakeEngine();
    engines.push(engine);
    const memento = new InMemoryMemento();
    // The fake engine stamps containers with the real time.
    const clock = new FakeClock(Date.now());
    const kept = app('kept', '/home/dev/never-stop');
    const other = app('other', '/home/dev/quick');
    const a = fakeWorld({ start: START, engine, memento, clock, apps: [kept], settings: first });
    const b = fakeWorld({ start: START, engine, memento, clock, apps: [other], settings: second });
    return { engine, clock, a, b, kept, other };
  };

  it('a window with a 1-minute timeout leaves running an app whose own workspace says 0 (never)', async () => {
    const { clock, a, b, kept, other } = windows({ idleTimeoutMinutes: 0 }, { idleTimeoutMinutes: 1, releasePortOnIdle: true });
    const { port } = await a.controller.run({ ref: kept });
    await b.controller.run({ ref: other });
    await a.allocator.flush();
    await b.allocator.flush();
    clock.advance(10 * 60_000);
    const report = await b.reaper.tick();
    assert.deepEqual(report.stopped, ['other'], 'its own app by its own setting');
    await b.allocator.flush();
    assert.equal((await a.reconciler.reconcile({ repair: false }), a.controller.stateOf(kept).status), 'running');
    assert.equal(await a.allocator.leaseOf(kept.key), port, 'and its sticky port');
  });

  it('a window with timeout 0 stops another workspace\'s idle app by that app\'s policy (stop, keep the port)', async () => {
    const { engine, clock, a, b, other } = windows({ idleTimeoutMinutes: 0 }, { idleTimeoutMinutes: 1, releasePortOnIdle: false });
    const { port, containerId } = await b.controller.run({ ref: other });
    await b.allocator.flush();
    clock.advance(2 * 60_000);
    // Window b is closed (its reaper does not run); window a applies b's recorded policy, not its own 0.
    const report = await a.reaper.tick();
    assert.deepEqual(report.stopped, ['other']);
    assert.equal((await engine.inspect(containerId))?.running, false, 'stopped, not removed');
    await a.allocator.flush();
    assert.equal(await b.allocator.leaseOf(other.key), port, 'releasePortOnIdle false: the port stays');
  });

  it('a lease without a recorded policy (an older version wrote it) is not stopped by another window', async () => {
    const { clock, a, b, other } = windows({ idleTimeoutMinutes: 1 }, { idleTimeoutMinutes: 1 });
    await b.controller.run({ ref: other });
    await b.allocator.flush();
    const lease = await a.allocator.lease(other.key);
    assert.deepEqual(lease?.idle, { timeoutMinutes: 1, releasePort: true }, 'the owner recorded its policy');
    const old = Object.fromEntries(Object.entries(lease ?? {}).filter(([field]) => field !== 'idle'));
    await a.memento.update('previewContainers.leases', { version: 1, leases: [old] });
    clock.advance(10 * 60_000);
    assert.deepEqual((await a.reaper.tick()).stopped, []);
  });
});
