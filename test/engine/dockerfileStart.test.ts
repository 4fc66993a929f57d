import * as assert from 'node:assert/strict';
import type { AppDefinition } from '../../src/core/appFolder';
import { launchOf } from '../../src/core/appLaunch';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { LABEL_BUILD_HASH, LABEL_BUILT_FOR } from '../../src/core/engine/labels';
import { CancelledError, ImageBuildError } from '../../src/core/errors';
import { currentBuildHash } from '../../src/core/imageBuild';
import { countingBuilds, fetchText, firstBuiltRun, PYTHON_IMAGE, taggedImagesOf, useDockerfileSuite } from './helpers';
/** This suite's share of the machine's ports (dockerfileBuild.test.ts has 37600–37619, the bench 37630–37639). */
const PORTS = { start: 37620, end: 37629 };


describe('Dockerfile apps through the controller (createCore, real podman)', function () {
  this.timeout(300_000);
  const suite = useDockerfileSuite('podman', 'pc-dockerfile-start');
  const { addPythonApp, discover } = suite;
  let engine: ContainerEngine;
  before(() => {
    engine = suite.engine();
  });

  async function appContainers(def: AppDefinition) {
    return (await engine.list({ all: true, ours: true })).filter((c) => c.labels['previewContainers.path'] === def.ref.key);
  }

  it('the Python app: discovered, built, answers on a pool port; idle stop; restart on the same port with no build; Rebuild builds again', async () => {
    await addPythonApp('api');
    const [def] = await discover();
    assert.ok(def);
    assert.equal(launchOf(def).kind, 'dockerfile', 'a folder with a Dockerfile is a Dockerfile app');
    const counted = countingBuilds(engine);
    let now = Date.now();
    const fixture = suite.controller(counted, { ...PORTS, apps: [def.ref], clock: () => now, settings: { idleTimeoutMinutes: 5, releasePortOnIdle: false } });
    const { controller, core, allocator } = fixture;
    const { result: first, stages } = await firstBuiltRun(counted, controller, def, PORTS);
    assert.ok(stages.some((s) => /^Building: step \d+\/\d+ RUN python3 -c/.test(s)));
    const log = controller.buildLogs.of(def.ref);
    assert.match(log[0] ?? '', /^— building localhost\/preview-containers\/api:[0-9a-f]{12}: no image for the current Dockerfile and context yet —$/);
    assert.ok(log.some((line) => /^STEP \d+\/\d+: RUN python3/.test(line)), 'every build line is in the app’s log');
    const state = controller.stateOf(def.ref);
    const launch = launchOf(def);
    assert.ok(launch.kind === 'dockerfile');
    assert.equal(state.buildHash, await currentBuildHash(def.ref, launch), 'the state knows the running image’s build hash');
    assert.equal((await appContainers(def))[0]?.labels[LABEL_BUILD_HASH], state.buildHash);
    assert.deepEqual((await engine.inspect(first.containerId))?.mountSources, [], 'nothing of the host is mounted');

    // Idle: nobody used it for longer than the timeout.
    now += 6 * 60_000;
    assert.deepEqual((await core.reaper.tick()).stopped, ['api']);
    assert.equal(controller.stateOf(def.ref).status, 'stopped');
    assert.equal((await allocator.lease(def.ref.key))?.port, first.port, 'the port stays reserved');

    const again = await controller.run(def);
    assert.equal(again.port, first.port, 'same port');
    assert.equal(counted.builds, 1, 'no build for the unchanged app');
    assert.match(await fetchText(again.url), /<h1>python-dockerfile<\/h1>/);

    const rebuilt = await controller.rebuild(def);
    assert.equal(counted.builds, 2, 'Rebuild builds');
    assert.equal(rebuilt.port, first.port, 'Rebuild keeps the port');
    assert.match(controller.buildLogs.of(def.ref)[0] ?? '', /Rebuild App Container \(no layer cache\)/);
    assert.ok(!controller.buildLogs.of(def.ref).some((line) => line.startsWith('--> Using cache')), 'no layer cache');
    assert.match(await fetchText(rebuilt.url), /<h1>python-dockerfile<\/h1>/);
    assert.equal((await appContainers(def)).length, 1, 'one container of the app');
  });

  it('a Dockerfile app next to a Node app: both run at once, on distinct pool ports', async () => {
    await addPythonApp('api');
    await suite.workspace().addApp('web');
    const apps = await discover();
    assert.deepEqual(apps.map((d) => `${d.ref.appId}:${launchOf(d).kind}`).sort(), ['api:dockerfile', 'web:node']);
    const fixture = suite.controller(engine, { ...PORTS, apps: apps.map((d) => d.ref) });
    const results = await Promise.all(apps.map((def) => fixture.controller.run(def)));
    assert.notEqual(results[0]?.port, results[1]?.port);
    for (const [i, def] of apps.entries()) {
      const result = results[i];
      assert.ok(result.port >= PORTS.start && result.port <= PORTS.end);
      assert.match(await fetchText(result.url), new RegExp(`<h1>${def.ref.appId === 'api' ? 'python-dockerfile' : 'web'}</h1>`));
    }
  });

  it('a failing RUN step: the error names the step; no tag, no container, no lease', async () => {
    await addPythonApp('broken', `FROM ${PYTHON_IMAGE}\nWORKDIR /srv\nRUN echo "ERROR: No matching distribution found for flask==99" >&2; exit 1\nEXPOSE 8000\n`);
    const [def] = await discover();
    assert.ok(def);
    const fixture = suite.controller(engine, { ...PORTS, apps: [def.ref] });
    const { controller, allocator } = fixture;
    await assert.rejects(controller.run(def), (error: unknown) => {
      assert.ok(error instanceof ImageBuildError, String(error));
      assert.match(error.message, /^The image build of broken failed at STEP 3\/\d+: RUN echo "ERROR: No matching distribution found for flask==99" >&2; exit 1: /);
      assert.match(error.message, /Last output of the step:\nERROR: No matching distribution found for flask==99$/);
      return true;
    });
    assert.deepEqual(await taggedImagesOf(engine, def.ref.key), [], 'no image of the app (only untagged cache layers of the steps before)');
    assert.deepEqual(await appContainers(def), [], 'no container');
    assert.equal(await allocator.lease(def.ref.key), undefined, 'no lease');
    assert.equal(controller.stateOf(def.ref).status, 'failed');
    assert.ok(controller.buildLogs.of(def.ref).includes('ERROR: No matching distribution found for flask==99'), 'the step’s output is in the app’s log');
  });

  it('cancel during the build: nothing is left (no tag, no container, no lease)', async () => {
    await addPythonApp('slow', `FROM ${PYTHON_IMAGE}\nWORKDIR /srv\nRUN echo "long step"; sleep 120\nEXPOSE 8000\n`);
    const [def] = await discover();
    assert.ok(def);
    const fixture = suite.controller(engine, { ...PORTS, apps: [def.ref] });
    const { controller, allocator } = fixture;
    const abort = new AbortController();
    const sub = controller.buildLogs.onDidAppend(({ line }) => line === 'long step' && abort.abort());
    try {
      await assert.rejects(controller.run(def, { signal: abort.signal }), CancelledError);
    } finally {
      sub.dispose();
    }
    assert.deepEqual(await engine.listImages({ key: LABEL_BUILT_FOR, value: def.ref.key }), [], 'no image of the app');
    assert.deepEqual(await appContainers(def), [], 'no container');
    assert.equal(await allocator.lease(def.ref.key), undefined, 'no lease');
    assert.equal(controller.stateOf(def.ref).status, 'stopped');
  });
});
