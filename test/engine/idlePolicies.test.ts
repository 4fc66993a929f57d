import * as assert from 'node:assert/strict';
import type { AppRef } from '../../src/core/appIdentity';
import { createCore, type Core } from '../../src/core/createCore';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { InMemoryMemento } from '../../src/core/memento';
import { readSettings } from '../../src/core/settings';
import { removeDependencyVolumes } from '../harness/containers';
import { RecordingLogger } from '../unit/helpers';
import { fetchText, realEngine, TEST_IMAGE, TestWorkspace } from './helpers';

const RANGE = { start: 37780, end: 37789 };

/**
 * Two windows of one installation (one globalState) on real podman, with a clock the test moves:
 * window A's workspace says `idleTimeoutMinutes: 0`, window B's 1 minute. B's idle check runs 10
 * minutes later: it stops its own idle app and leaves A's running, on its port.
 */
describe('Engine: idle policies across windows (real podman, shortened clock)', function () {
  this.timeout(120_000);
  let engine: ContainerEngine;
  const workspaces: TestWorkspace[] = [];
  const cores: Core[] = [];

  before(async function () {
    engine = await realEngine(this);
  });

  after(async () => {
    for (const core of cores) {
      await core.dispose();
    }
    for (const ws of workspaces) {
      await ws.cleanUp(engine);
      await removeDependencyVolumes(ws.apps, engine);
    }
  });

  it("a workspace with idleTimeoutMinutes 0 keeps its app while another window with 1 minute runs its reaper", async () => {
    const memento = new InMemoryMemento();
    let offset = 0;
    const clock = () => Date.now() + offset;
    const window = async (name: string, idleTimeoutMinutes: number): Promise<{ core: Core; app: AppRef }> => {
      const ws = await TestWorkspace.create(`pc-idle-${name}`);
      workspaces.push(ws);
      const app = await ws.addApp(name);
      const settings = readSettings((key) => ({ 'portRange.start': RANGE.start, 'portRange.end': RANGE.end, image: TEST_IMAGE, pullPolicy: 'never', packageCacheVolume: '', idleTimeoutMinutes, releasePortOnIdle: true })[key]);
      const core = createCore({ memento, settings: () => settings, clock, logger: new RecordingLogger(), exec: execaExec, stream: execaStream, apps: () => [app], detectEngine: () => Promise.resolve(engine) });
      cores.push(core);
      return { core, app };
    };
    const a = await window('never', 0);
    const b = await window('quick', 1);
    const kept = await a.core.controller.run({ ref: a.app, override: { path: a.app.folder, command: ['node', 'server.js'] } });
    const quick = await b.core.controller.run({ ref: b.app, override: { path: b.app.folder, command: ['node', 'server.js'] } });
    await a.core.allocator.flush();
    await b.core.allocator.flush();

    offset = 10 * 60_000;
    const report = await b.core.reaper.tick();
    assert.deepEqual(report.stopped, [b.app.appId], "B's own idle app, by B's setting");
    assert.equal(await b.core.allocator.leaseOf(b.app.key), undefined, 'released on idle, as B says');
    assert.equal((await engine.inspect(kept.containerId))?.running, true, "A's app still runs");
    assert.match(await fetchText(`http://127.0.0.1:${kept.port}/`), /never/);
    await b.core.allocator.flush();
    assert.equal(await a.core.allocator.leaseOf(a.app.key), kept.port, 'and keeps its sticky port');
    assert.notEqual(quick.port, kept.port);
  });
});
