import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { EngineRunError } from '../../src/core/engine/engineErrors';
import { containerNameFor, dependencyVolumeFor, makeAppRef } from '../../src/core/appIdentity';
import { appVolumesFor } from '../../src/core/buildCache';
import { parsePackageJson } from '../../src/core/appFolder';
import { AppFolderError, AppStartError, CancelledError, ContainerRuntimeError, EngineNotRespondingError, ImageMissingError, PortConflictError } from '../../src/core/errors';
import { FakeEngine } from './fakeEngine';
import { fakeWorld } from './fakeWorld';
import { app, FakeClock } from './helpers';

// Real sockets on a range away from the real-engine tests.
const START = 33100;

function setup(overrides: Record<string, unknown> = {}) {
  return fakeWorld({ start: START, settings: { pullPolicy: 'missing', ...overrides }, clock: new FakeClock(Date.now()) });
}

describe('AppController (fake engine, real sockets)', () => {
  const engines: FakeEngine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) {
      await engine.closeAll();
    }
  });
  function make(overrides: Record<string, unknown> = {}) {
    const fixture = setup(overrides);
    engines.push(fixture.engine);
    return fixture;
  }

  it('an app with `workspace:` dependencies and no monorepo root in the workspace fails before any lease or container, naming them and the fix', async () => {
    const fixture = fakeWorld({
      start: START,
      clock: new FakeClock(Date.now()),
      inspectFolder: () => Promise.resolve({ pkg: parsePackageJson(JSON.stringify({ name: 'web', scripts: { dev: 'vite' }, dependencies: { '@repo/ui': 'workspace:*', vite: '^6' } })), hasNodeModules: false, files: new Set(['package.json']) }),
    });
    engines.push(fixture.engine);
    const web = app('web');
    await assert.rejects(fixture.controller.run({ ref: web }), (error: Error) => {
      assert.ok(error instanceof AppFolderError, String(error));
      assert.match(error.message, /depends on workspace packages \(@repo\/ui\).*Open the monorepo root/);
      return true;
    });
    assert.equal(await fixture.allocator.lease(web.key), undefined, 'no lease left');
    assert.equal(fixture.engine.calls.filter((c) => c === 'run').length, 0, 'no container');
  });

  it('starts asked for together share one container list; a later start lists again', async () => {
    const { controller, engine } = make();
    engine.calls.length = 0;
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((name) => controller.run({ ref: app(name) })));
    assert.equal(new Set(results.map((r) => r.port)).size, 4);
    assert.equal(engine.calls.filter((c) => c === 'ps').length, 1, engine.calls.join(','));
    // Not the old list: this start must see the container the first one started.
    const again = await controller.run({ ref: app('a') });
    assert.equal(again.alreadyRunning, true);
    assert.equal(engine.calls.filter((c) => c === 'ps').length, 2, engine.calls.join(','));
  });

  it('runs an app: lease, run, readiness over HTTP, state changes in order', async () => {
    const { controller } = make();
    const seen: string[] = [];
    controller.onDidChangeState((s) => seen.push(s.status));
    const result = await controller.run({ ref: app('web') });
    assert.equal(result.port, START);
    assert.equal(result.url, `http://localhost:${START}/`, "localhost, not 127.0.0.1: dev servers that check their HMR origin accept it");
    assert.equal(await (await fetch(result.url)).text(), controller.stateOf(app('web')).containerName);
    assert.equal(seen[0], 'starting');
    assert.equal(seen[seen.length - 1], 'running');
  });

  it('starts 20 apps concurrently on 20 distinct ports', async () => {
    const { controller } = make();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => controller.run({ ref: app(`many-${i}`) })));
    assert.equal(new Set(results.map((r) => r.port)).size, 20);
  });

  it('pulls a missing image under policy "missing" and then runs', async () => {
    const { controller, engine } = make({ image: 'docker.io/library/node:22-alpine' });
    await controller.run({ ref: app('pull') });
    assert.deepEqual(engine.pulled, ['docker.io/library/node:22-alpine']);
  });

  it('refuses a missing image under policy "never" without allocating', async () => {
    const { controller, engine, allocator } = make({ image: 'docker.io/library/node:22-alpine', pullPolicy: 'never' });
    await assert.rejects(controller.run({ ref: app('never') }), ImageMissingError);
    assert.equal(await allocator.leaseOf(app('never').key), undefined);
    assert.equal(engine.containers.size, 0);
  });

  it('retries on engine port conflicts, bounded, and the lease follows the port used', async () => {
    const { controller, engine, allocator } = make();
    engine.runFailures.push(new EngineRunError('portConflict', 'bind: address already in use', START), new EngineRunError('portConflict', 'port is already allocated', START + 1));
    const result = await controller.run({ ref: app('conflict') });
    assert.equal(result.port, START + 2);
    assert.equal(await allocator.leaseOf(app('conflict').key), START + 2);
    assert.equal(engine.calls.filter((c) => c === 'repairForwarding').length, 0, 'nothing to repair: no holder was running');
  });

  it('gives up after five refused ports with a clear error and leaves nothing', async () => {
    const { controller, engine, allocator } = make();
    for (let i = 0; i < 6; i++) {
      engine.runFailures.push(new EngineRunError('portConflict', 'address already in use', undefined));
    }
    await assert.rejects(controller.run({ ref: app('unlucky') }), (error: unknown) => error instanceof PortConflictError && /refused every port tried/.test(error.message));
    assert.equal(await allocator.leaseOf(app('unlucky').key), undefined);
    assert.equal(engine.containers.size, 0);
  });

  it('reports a crashing app with its logs; a first start leaves no lease, a sticky app keeps its port', async () => {
    const { controller, engine, allocator } = make();
    const sticky = app('sticky');
    const first = await controller.run({ ref: sticky });
    await controller.stop(sticky);
    engine.behaviour = () => ({ exitWith: 1, log: 'SyntaxError: Unexpected token' });
    await assert.rejects(controller.run({ ref: sticky }), (error: unknown) => error instanceof AppStartError && error.logLines.includes('SyntaxError: Unexpected token'));
    assert.equal(await allocator.leaseOf(sticky.key), first.port, 'a failed restart keeps the sticky port');
    await assert.rejects(controller.run({ ref: app('fresh') }), AppStartError);
    assert.equal(await allocator.leaseOf(app('fresh').key), undefined, 'a failed first start leaves no lease');
    assert.equal([...engine.containers.values()].filter((c) => c.running).length, 0);
  });

  it('a failed start that had to move a sticky app elsewhere leaves it its old port, not the one that never worked', async () => {
    const { controller, engine, allocator } = make();
    const sticky = app('moved');
    const first = await controller.run({ ref: sticky });
    await controller.stop(sticky);
    // Something else took the app's port meanwhile: the next start moves, and crashes.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(first.port, '127.0.0.1', resolve));
    try {
      engine.behaviour = () => ({ exitWith: 1, log: 'boom' });
      await assert.rejects(controller.run({ ref: sticky }), AppStartError);
      const lease = await allocator.lease(sticky.key);
      assert.equal(lease?.port, first.port, 'the sticky port is kept');
      assert.equal(lease?.confirmed, true);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('times out an app that never answers, with a message naming the setting', async () => {
    const { controller, engine } = make({ startupTimeoutSeconds: 1 });
    engine.behaviour = () => 'never';
    await assert.rejects(controller.run({ ref: app('silent') }), (error: unknown) => error instanceof AppStartError && /within 1 s \(previewContainers.startupTimeoutSeconds\)/.test(error.message));
    assert.equal(engine.containers.size, 0);
  });

  it('cancels a start in flight: no container, no lease, state stopped', async () => {
    const { controller, engine, allocator } = make();
    engine.behaviour = () => 'never';
    const abort = new AbortController();
    const running = controller.run({ ref: app('cancel') }, { signal: abort.signal, onProgress: (stage) => stage.startsWith('Waiting') && abort.abort() });
    await assert.rejects(running, CancelledError);
    assert.equal(engine.containers.size, 0);
    assert.equal(await allocator.leaseOf(app('cancel').key), undefined);
    assert.equal(controller.stateOf(app('cancel')).status, 'stopped');
  });

  it('fails cleanly when the engine is down, allocating nothing', async () => {
    const { controller, engine, allocator } = make();
    engine.available = false;
    await assert.rejects(controller.run({ ref: app('down') }), EngineNotRespondingError);
    assert.equal((await allocator.listAllocations()).allocatedCount, 0);
    assert.equal(controller.stateOf(app('down')).status, 'failed');
  });

  it('recreates a stopped container of the app (same name, same port)', async () => {
    const { controller, engine } = make();
    const first = await controller.run({ ref: app('again') });
    await controller.stop(app('again'));
    assert.equal(engine.containers.size, 1);
    const second = await controller.run({ ref: app('again') });
    assert.equal(second.port, first.port);
    assert.notEqual(second.containerId, first.containerId);
    assert.equal(engine.containers.size, 1);
  });

  it('clears a name clash with a container created meanwhile and retries', async () => {
    const { controller, engine } = make();
    engine.runFailures.push(new EngineRunError('nameInUse', 'the container name is already in use', undefined));
    const result = await controller.run({ ref: app('clash') });
    assert.equal(result.alreadyRunning, false);
  });

  it('a name the engine keeps refusing is reported as what it is, not as a port conflict, leaving nothing', async () => {
    const { controller, engine, allocator } = make();
    for (let i = 0; i < 3; i++) {
      engine.runFailures.push(new EngineRunError('nameInUse', 'the container name "x" is already in use by a container in storage', undefined));
    }
    await assert.rejects(controller.run({ ref: app('stuck-name') }), (error: unknown) => error instanceof ContainerRuntimeError && /already in use by a container in storage/.test(error.message));
    assert.equal(engine.runArgs.length, 2, 'one retry, not seven');
    assert.equal((await allocator.listAllocations()).allocatedCount, 0);
  });

  it('one folder keeps one container and one cache whatever its appId (the workspace opened at the root or at the folder)', async () => {
    const atRoot = makeAppRef('/home/dev/mono/apps/web', '/home/dev/mono');
    const atFolder = makeAppRef('/home/dev/mono/apps/web', '/home/dev/mono/apps/web');
    assert.notEqual(atRoot.appId, atFolder.appId);
    assert.equal(containerNameFor(atRoot), containerNameFor(atFolder));
    assert.equal(dependencyVolumeFor(atRoot), dependencyVolumeFor(atFolder));

    // Started under one appId, stopped, run and released under the other: always the same container.
    const { controller, engine, allocator } = make();
    const first = await controller.run({ ref: atRoot });
    const again = await controller.run({ ref: atFolder });
    assert.equal(again.alreadyRunning, true);
    assert.equal(again.port, first.port);
    await controller.stop(atFolder);
    assert.equal([...engine.containers.values()].filter((c) => c.running).length, 0);
    await controller.release(atFolder);
    assert.equal(engine.containers.size, 0);
    assert.equal(await allocator.leaseOf(atRoot.key), undefined);
  });

  it('stop and release also find a container of the app under another name (an older naming), by its folder label', async () => {
    const { controller, engine } = make();
    const web = app('legacy');
    await controller.run({ ref: web });
    const [container] = engine.containers.values();
    container.name = 'preview-some-old-name-12345678';
    const again = await controller.run({ ref: web });
    assert.equal(again.alreadyRunning, true, 'adopted, not a second container');
    assert.equal(engine.containers.size, 1);
    await controller.release(web);
    assert.equal(engine.containers.size, 0);
  });

  it('release drops the dependency and build caches (every one the app may have); with keepCache (the idle reaper) they stay', async () => {
    const { controller, engine } = make();
    await controller.run({ ref: app('cached') });
    await controller.release(app('cached'), { keepCache: true });
    assert.deepEqual(engine.removedVolumes, []);
    await controller.run({ ref: app('cached') });
    await controller.release(app('cached'));
    assert.deepEqual(engine.removedVolumes, appVolumesFor(app('cached')));
  });

  it('a release the engine cannot carry out keeps the lease and does not leave the app "stopping"', async () => {
    const { controller, engine, allocator } = make();
    const { port } = await controller.run({ ref: app('kept') });
    engine.available = false;
    await assert.rejects(controller.release(app('kept')));
    assert.equal(controller.stateOf(app('kept')).status, 'running');
    assert.equal(await allocator.leaseOf(app('kept').key), port);
  });

  it('Stop interrupts a start in progress instead of waiting behind it: nothing left running, a first start leaves no lease', async () => {
    const { controller, engine, allocator } = make();
    engine.behaviour = () => 'never'; // never answers: the start would wait for the whole timeout
    const slow = app('slow-start');
    const starting = controller.run({ ref: slow });
    while (![...engine.containers.values()].some((c) => c.running)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const started = Date.now();
    await controller.stop(slow);
    assert.ok(Date.now() - started < 5_000, `stop took ${Date.now() - started} ms`);
    await assert.rejects(starting, CancelledError);
    assert.equal([...engine.containers.values()].filter((c) => c.running).length, 0);
    assert.equal(controller.stateOf(slow).status, 'stopped');
    assert.equal(await allocator.leaseOf(slow.key), undefined);
  });

  it('release removes the container and forgets the lease', async () => {
    const { controller, engine, allocator } = make();
    await controller.run({ ref: app('gone') });
    assert.equal(await controller.release(app('gone')), START);
    assert.equal(engine.containers.size, 0);
    assert.equal(await allocator.leaseOf(app('gone').key), undefined);
    assert.equal(controller.stateOf(app('gone')).port, undefined);
  });
});
