import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { discoverApps } from '../../src/core/appDiscovery';
import type { AppDefinition } from '../../src/core/appFolder';
import { launchOf } from '../../src/core/appLaunch';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { LABEL_BUILT_FOR } from '../../src/core/engine/labels';
import { ImageBuildError } from '../../src/core/errors';
import { countingBuilds, fetchText, makeController, PYTHON_IMAGE, realEngineWithPython, TestWorkspace, type ControllerFixture } from './helpers';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/apps/python-dockerfile');
/** This suite's share of the machine's ports (the podman Dockerfile suites have 37600–37649). */
const PORTS = { start: 37680, end: 37689 };

/**
 * The Dockerfile path on Docker (the tests' own dockerd, its classic builder): `docker build`
 * through the controller, its steps in the progress, the app on a pool port, no rebuild for an
 * unchanged app, a failing step named with its output and nothing left behind.
 */
describe('Dockerfile apps through the controller (createCore, real docker)', function () {
  this.timeout(300_000);
  let engine: ContainerEngine;
  let workspace: TestWorkspace;
  let fixture: ControllerFixture | undefined;

  before(async function () {
    engine = await realEngineWithPython(this, 'docker');
  });
  beforeEach(async () => {
    workspace = await TestWorkspace.create('pc-dockerfile-docker');
  });
  afterEach(async () => {
    await fixture?.core.dispose();
    fixture = undefined;
    if (!engine) {
      return;
    }
    const images = [];
    for (const app of workspace.apps) {
      images.push(...(await engine.listImages({ key: LABEL_BUILT_FOR, value: app.key })));
    }
    await workspace.cleanUp(engine);
    for (const image of images) {
      await engine.removeImage(image.tags[0] ?? image.id).catch(() => undefined);
    }
  });

  async function addApp(folderName: string, dockerfile?: string): Promise<AppDefinition> {
    const folder = path.join(workspace.root, folderName);
    await fs.cp(FIXTURE, folder, { recursive: true });
    if (dockerfile !== undefined) {
      await fs.writeFile(path.join(folder, 'Dockerfile'), dockerfile);
    }
    const [def] = await discoverApps([{ name: 'ws', path: workspace.root }], []);
    assert.ok(def);
    workspace.apps.push(def.ref);
    return def;
  }

  it('built by docker, answers on a pool port, the steps in the progress; stopped and run again: the same port, no build', async () => {
    const def = await addApp('api');
    assert.equal(launchOf(def).kind, 'dockerfile');
    const counted = countingBuilds(engine);
    fixture = makeController(counted, { ...PORTS, apps: [def.ref] });
    const { controller } = fixture;
    const stages: string[] = [];
    const first = await controller.run(def, { onProgress: (stage) => stages.push(stage) });
    assert.equal(counted.builds, 1);
    assert.ok(first.port >= PORTS.start && first.port <= PORTS.end, `pool port ${first.port}`);
    assert.match(await fetchText(first.url), /<h1>python-dockerfile<\/h1>/);
    assert.ok(stages.some((s) => /^Building: step 1\/\d+ FROM localhost\/preview-python:test$/.test(s)), `the build's steps in the progress: ${stages.join(' | ')}`);
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
    fixture = makeController(engine, { ...PORTS, apps: [def.ref] });
    const { controller, allocator } = fixture;
    const before = await allContainerIds();
    await assert.rejects(controller.run(def), (error: unknown) => {
      assert.ok(error instanceof ImageBuildError, String(error));
      assert.match(error.message, /^The image build of broken failed at step 3\/\d+: RUN echo "ERROR: No matching distribution found for flask==99" >&2; exit 1: /i);
      assert.match(error.message, /ERROR: No matching distribution found for flask==99/);
      return true;
    });
    assert.deepEqual(await engine.listImages({ key: LABEL_BUILT_FOR, value: def.ref.key }), [], 'no image of the app');
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
