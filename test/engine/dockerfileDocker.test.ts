import * as assert from 'node:assert/strict';
import { execa } from 'execa';
import type { AppDefinition } from '../../src/core/appFolder';
import { launchOf } from '../../src/core/appLaunch';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { ImageBuildError } from '../../src/core/errors';
import { countingBuilds, fetchText, firstBuiltRun, PYTHON_IMAGE, taggedImagesOf, useDockerfileSuite } from './helpers';

/** This suite's share of the machine's ports (the podman Dockerfile suites have 37600–37649). */
const PORTS = { start: 37680, end: 37689 };

/**
 * The Dockerfile path on Docker (the tests' own dockerd, its classic builder): `docker build`
 * through the controller, its steps in the progress, the app on a pool port, no rebuild for an
 * unchanged app, a failing step named with its output and nothing left behind.
 */
describe('Dockerfile apps through the controller (createCore, real docker)', function () {
  this.timeout(300_000);
  const suite = useDockerfileSuite('docker', 'pc-dockerfile-docker');
  let engine: ContainerEngine;
  before(() => {
    engine = suite.engine();
  });

  async function addApp(folderName: string, dockerfile?: string): Promise<AppDefinition> {
    await suite.addPythonApp(folderName, dockerfile);
    const def = (await suite.discover()).find((d) => d.ref.appId === folderName);
    assert.ok(def);
    return def;
  }

  it('built by docker, answers on a pool port, the steps in the progress; stopped and run again: the same port, no build', async () => {
    const def = await addApp('api');
    assert.equal(launchOf(def).kind, 'dockerfile');
    const counted = countingBuilds(engine);
    const fixture = suite.controller(counted, { ...PORTS, apps: [def.ref] });
    const { controller } = fixture;
    const { result: first } = await firstBuiltRun(counted, controller, def, PORTS);
    const containers = (await engine.list({ all: true, ours: true })).filter((c) => c.labels['previewContainers.path'] === def.ref.key);
    assert.equal(containers.length, 1);
    assert.equal(containers[0]?.ports[0]?.hostIp, '127.0.0.1', 'published on loopback only');
    assert.deepEqual((await engine.inspect(first.containerId))?.mountSources, [], 'nothing of the host is mounted');

    await controller.stop(def.ref);
    const again = await controller.run(def);
    assert.equal(again.port, first.port, 'same port');
    assert.equal(counted.builds, 1, 'no build for the unchanged app');
    assert.match(await fetchText(again.url), /<h1>python-dockerfile<\/h1>/);
  });

  it('a failing RUN step: the error names the step and its output; no image, no container, no lease', async () => {
    const def = await addApp('broken', `FROM ${PYTHON_IMAGE}\nWORKDIR /srv\nRUN echo "ERROR: No matching distribution found for flask==99" >&2; exit 1\nEXPOSE 8000\n`);
    const fixture = suite.controller(engine, { ...PORTS, apps: [def.ref] });
    const { controller, allocator } = fixture;
    const before = await allContainerIds();
    await assert.rejects(controller.run(def), (error: unknown) => {
      assert.ok(error instanceof ImageBuildError, String(error));
      assert.match(error.message, /^The image build of broken failed at step 3\/\d+: RUN echo "ERROR: No matching distribution found for flask==99" >&2; exit 1: /i);
      assert.match(error.message, /ERROR: No matching distribution found for flask==99/);
      return true;
    });
    assert.deepEqual(await taggedImagesOf(engine, def.ref.key), [], 'no image of the app (only untagged cache layers of the steps before)');
    assert.deepEqual((await engine.list({ all: true, ours: true })).filter((c) => c.labels['previewContainers.path'] === def.ref.key), [], 'no container');
    assert.equal(await allocator.lease(def.ref.key), undefined, 'no lease');
    assert.deepEqual(await allContainerIds(), before, 'no intermediate container of the failed step either');
  });
});

/** Every container of the tests' dockerd, ours or not (the classic builder's are unlabelled). */
async function allContainerIds(): Promise<string[]> {
  const { stdout } = await execa('docker', ['ps', '--all', '--quiet', '--no-trunc'], { stdin: 'ignore' });
  return stdout.split('\n').filter(Boolean).sort();
}
