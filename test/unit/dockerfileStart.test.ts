import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeAppRef } from '../../src/core/appIdentity';
import type { AppDefinition } from '../../src/core/appFolder';
import { EngineBuildError } from '../../src/core/engine/engineErrors';
import { CancelledError, ImageBuildError } from '../../src/core/errors';
import { FakeEngine } from './fakeEngine';
import { fakeWorld } from './fakeWorld';
import { FakeClock } from './helpers';

// Real sockets on a range of this file's own.
const START = 33300;
const BASE = 'localhost/preview-python:test';

describe('Dockerfile apps in the start path (fake engine, real files and sockets)', () => {
  let root: string;
  let engine: FakeEngine;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-unit-dockerfile-'));
    engine = new FakeEngine();
    engine.images.add(BASE);
    engine.imageDetails.set(BASE, { id: 'base-1', tags: [BASE], labels: {}, exposedPorts: [], workingDir: undefined });
  });
  afterEach(async () => {
    await engine.closeAll();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function dockerfileApp(dockerfile = `FROM ${BASE}\nWORKDIR /srv\nEXPOSE 8000\nCMD ["python3", "server.py"]\n`): Promise<AppDefinition> {
    const folder = path.join(root, 'api');
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, 'Dockerfile'), dockerfile);
    await fs.writeFile(path.join(folder, 'server.py'), 'print("hi")\n');
    return { ref: makeAppRef(folder, root), launch: { kind: 'dockerfile', dockerfile: path.join(folder, 'Dockerfile'), context: folder, target: undefined, buildArgs: {}, mountSource: false } };
  }

  function world() {
    return fakeWorld({ start: START, engine, settings: { pullPolicy: 'never' }, clock: new FakeClock(Date.now()) });
  }

  it('builds, then runs the image on a pool port: EXPOSE as the container port, nothing mounted, its own CMD; steps in the progress, lines in the build log', async () => {
    const def = await dockerfileApp();
    const { controller } = world();
    const stages: string[] = [];
    const result = await controller.run(def, { onProgress: (s) => stages.push(s) });
    assert.equal(result.port, START);
    assert.equal(engine.buildArgs.length, 1);
    const run = engine.runArgs[0] ?? [];
    const image = run[run.length - 1] ?? '';
    assert.match(image, /^localhost\/preview-containers\/api:[0-9a-f]{12}$/, 'the image is last: no command after it');
    assert.ok(run.includes(`127.0.0.1:${START}:8000`), run.join(' '));
    assert.ok(!run.includes('--volume') && !run.includes('--workdir'), 'nothing mounted, the image’s WORKDIR');
    assert.deepEqual(
      stages.filter((s) => s.startsWith('Building')),
      ['Building the image…', `Building: step 1/2 FROM ${BASE}`, 'Building: step 2/2 EXPOSE 8000'],
    );
    assert.deepEqual(controller.buildLogs.of(def.ref).slice(1), [`STEP 1/2: FROM ${BASE}`, 'STEP 2/2: EXPOSE 8000', 'COMMIT', `— built ${image} —`]);
    assert.equal(controller.stateOf(def.ref).buildHash, image.split(':')[1]);
  });

  it('an unchanged app starts again without a build, on the same port; a changed Dockerfile builds; Rebuild builds without cache', async () => {
    const def = await dockerfileApp();
    const { controller } = world();
    const first = await controller.run(def);
    await controller.stop(def.ref);
    const again = await controller.run(def);
    assert.equal(again.port, first.port);
    assert.equal(engine.buildArgs.length, 1, 'no build for an unchanged app');
    await controller.stop(def.ref);
    await fs.appendFile(def.launch?.kind === 'dockerfile' ? def.launch.dockerfile : '', 'ENV X=1\n');
    await controller.run(def);
    assert.equal(engine.buildArgs.length, 2, 'a changed Dockerfile builds');
    assert.ok(!(engine.buildArgs[1] ?? []).includes('--no-cache'));
    const rebuilt = await controller.rebuild(def);
    assert.equal(rebuilt.port, first.port);
    assert.equal(engine.buildArgs.length, 3);
    assert.ok((engine.buildArgs[2] ?? []).includes('--no-cache'), 'Rebuild: no layer cache');
  });

  it('a failing build: the step named, no run, no lease; cancel during a build: the same', async () => {
    const def = await dockerfileApp();
    const { controller, allocator } = world();
    engine.buildFailures.push(new EngineBuildError({ kind: 'step', step: { position: '2/2', instruction: 'RUN false' }, detail: 'exit status 1', output: ['nope'] }, [], 1));
    await assert.rejects(controller.run(def), (error: unknown) => error instanceof ImageBuildError && /failed at STEP 2\/2: RUN false: exit status 1\.\nLast output of the step:\nnope$/.test(error.message));
    assert.equal(engine.runArgs.length, 0);
    assert.equal(await allocator.lease(def.ref.key), undefined);
    assert.equal(controller.stateOf(def.ref).status, 'failed');

    engine.buildDelayMs = 10_000;
    const abort = new AbortController();
    const starting = controller.run(def, { signal: abort.signal, onProgress: (s) => s.startsWith('Building: step') && abort.abort() });
    await assert.rejects(starting, CancelledError);
    assert.equal(engine.runArgs.length, 0);
    assert.equal(await allocator.lease(def.ref.key), undefined);
    assert.equal(controller.stateOf(def.ref).status, 'stopped');
  });
});
