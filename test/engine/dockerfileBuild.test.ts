import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { containerNameFor, makeAppRef, type AppRef } from '../../src/core/appIdentity';
import type { DockerfileLaunch } from '../../src/core/appLaunch';
import { BuildOutput } from '../../src/core/engine/buildOutput';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { EngineBuildError } from '../../src/core/engine/engineErrors';
import { LABEL_BUILD_HASH, LABEL_BUILT_FOR } from '../../src/core/engine/labels';
import { BaseImageMissingError, CancelledError, ImageBuildError } from '../../src/core/errors';
import { dockerfileRunConfig } from '../../src/core/dockerfileRun';
import { buildAppImage, isOutdated, needsBuild, planDockerfileBuild, type DockerfileBuildPlan } from '../../src/core/imageBuild';
import { countingBuilds, fetchText, fetchWhenUp, makeController, PYTHON_IMAGE, realEngineWithPython, TestWorkspace } from './helpers';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/apps/python-dockerfile');
/** This suite's share of the machine's ports (other suites and engineers use others). */
const PORTS = { start: 37600, end: 37619 };

/** Buildah's working containers are only listed with --external; this is how a leftover would show. */
async function externalContainers(): Promise<{ id: string; name: string; imageId: string }[]> {
  const { stdout } = await execa('podman', ['ps', '--all', '--external', '--format', 'json']);
  return (JSON.parse(stdout || '[]') as { Id: string; Names: string[]; ImageID: string }[]).map((c) => ({ id: c.Id, name: c.Names[0] ?? '', imageId: c.ImageID }));
}

async function imageExists(ref: string): Promise<boolean> {
  return (await execa('podman', ['image', 'exists', ref], { reject: false })).exitCode === 0;
}


describe('Dockerfile apps on a real engine: build, cache, failing step, cancel', function () {
  this.timeout(240_000);
  let engine: ContainerEngine;
  let workspace: TestWorkspace;
  /** Images and layers the test made, removed after it whatever happened. */
  const images: string[] = [];

  before(async function () {
    engine = await realEngineWithPython(this);
  });
  beforeEach(async () => {
    workspace = await TestWorkspace.create('pc-dockerfile');
  });
  afterEach(async () => {
    if (!engine) {
      return;
    }
    for (const app of workspace.apps) {
      for (const image of await engine.listImages({ key: LABEL_BUILT_FOR, value: app.key })) {
        images.push(image.tags[0] ?? image.id);
      }
    }
    await workspace.cleanUp(engine);
    for (const ref of images.splice(0).reverse()) {
      await engine.removeImage(ref).catch(() => undefined);
    }
  });

  /** A copy of the fixture app (or a Dockerfile of the test's own) in the workspace. */
  async function addDockerfileApp(name: string, dockerfile?: string): Promise<{ app: AppRef; launch: DockerfileLaunch }> {
    const folder = path.join(workspace.root, name);
    await fs.cp(FIXTURE, folder, { recursive: true });
    if (dockerfile !== undefined) {
      await fs.writeFile(path.join(folder, 'Dockerfile'), dockerfile);
    }
    const app = makeAppRef(folder, workspace.root);
    workspace.apps.push(app);
    return { app, launch: { kind: 'dockerfile', dockerfile: path.join(folder, 'Dockerfile'), context: folder, target: undefined, buildArgs: {}, mountSource: false } };
  }

  const plan = (def: { app: AppRef; launch: DockerfileLaunch }, withEngine: ContainerEngine = engine): Promise<DockerfileBuildPlan> =>
    planDockerfileBuild({ ref: def.app, launch: def.launch }, { engine: withEngine, pullPolicy: 'never' });

  it('builds the Python fixture, runs it on a pool port (EXPOSE 8000, nothing mounted), and an unchanged app does not build again', async () => {
    const def = await addDockerfileApp('python-app');
    const counted = countingBuilds(engine);
    const steps: string[] = [];
    const first = await plan(def, counted);
    assert.equal(await needsBuild(counted, first, { pullPolicy: 'never' }), 'noImage');
    const started = Date.now();
    await buildAppImage(counted, first, { signal: new AbortController().signal, onStep: (s) => steps.push(`${s.position} ${s.instruction}`) });
    console.log(`      first build: ${Date.now() - started} ms`);
    assert.equal(counted.builds, 1);
    // podman adds a LABEL step per --label to the last stage: the total counts them.
    assert.match(steps[0] ?? '', /^1\/\d+ FROM localhost\/preview-python:test$/);
    assert.match(steps[1] ?? '', /^2\/\d+ WORKDIR \/srv$/);
    const image = await engine.inspectImage(first.tag);
    assert.ok(image, `tagged ${first.tag}`);
    assert.equal(image.labels[LABEL_BUILD_HASH], first.hash);
    assert.deepEqual(image.exposedPorts, ['8000/tcp']);

    const config = dockerfileRunConfig(first, image, undefined, { containerPort: 3000 });
    assert.equal(config.containerPort, 8000);
    const { allocator } = makeController(engine, PORTS);
    const lease = await allocator.allocatePort(def.app);
    const id = await engine.run({ lease, name: containerNameFor(def.app), image: config.image, bindAddress: '127.0.0.1', containerPort: config.containerPort, command: config.command, env: config.env, mount: config.mount });
    const url = `http://127.0.0.1:${lease.port}/`;
    const page = await fetchWhenUp(url);
    assert.match(page, /<h1>python-dockerfile<\/h1>/);
    assert.match(page, /served by Python <span id="python-version">3\.\d+\.\d+<\/span>/, 'the RUN step ran at build time');
    assert.equal(await fetchText(`${url}name`), 'python-dockerfile');
    const running = (await engine.list({ all: true, ours: true })).find((c) => c.id === id);
    assert.equal(running?.labels[LABEL_BUILD_HASH], first.hash, 'the container carries the image’s build hash (inherited label)');
    assert.equal(isOutdated(running?.labels ?? {}, first.hash), false);
    assert.deepEqual((await engine.inspect(id))?.mountSources, [], 'nothing of the host is mounted');

    // The second start of the unchanged app: the tag exists, no build at all.
    const again = await plan(def, counted);
    assert.equal(again.tag, first.tag);
    assert.equal(await needsBuild(counted, again, { pullPolicy: 'never' }), undefined);
    assert.equal(counted.builds, 1, 'no engine build call for an unchanged app');

    // A changed source file: a new tag; the build reuses the cached layers before the COPY.
    await fs.writeFile(path.join(def.app.folder, 'static', 'index.html'), '<!doctype html><h1>python-dockerfile v2</h1>\n');
    const changed = await plan(def, counted);
    assert.notEqual(changed.tag, first.tag);
    assert.equal(await needsBuild(counted, changed, { pullPolicy: 'never' }), 'noImage');
    const lines: string[] = [];
    await buildAppImage(counted, changed, { signal: new AbortController().signal, onLine: (l) => lines.push(l) });
    assert.equal(counted.builds, 2);
    assert.ok(lines.some((l) => l.startsWith('--> Using cache')), 'the layer cache was used');
    assert.equal(isOutdated(running?.labels ?? {}, changed.hash), true, 'the running container is now out of date');
    assert.equal(await imageExists(first.tag), true, 'the running container’s image is kept while it runs');
    await engine.remove(id);
  });

  it('a failing RUN step is named with its output; no tag and no working container are left', async () => {
    const def = await addDockerfileApp('failing', `FROM ${PYTHON_IMAGE}\nWORKDIR /srv\nRUN echo "collecting flask==99"; sleep 0.5; echo "ERROR: No matching distribution found for flask==99" >&2; exit 1\nEXPOSE 8000\n`);
    // The pause: stdout and stderr reach us through separate pipes, so two lines written at once may arrive in either order.
    const before = new Set((await externalContainers()).map((c) => c.id));
    const p = await plan(def);
    const lines: string[] = [];
    await assert.rejects(buildAppImage(engine, p, { signal: new AbortController().signal, onLine: (l) => lines.push(l) }), (error: unknown) => {
      assert.ok(error instanceof ImageBuildError, String(error));
      assert.match(error.step ?? '', /^STEP 3\/\d+: RUN echo "collecting flask==99"; sleep 0\.5; echo "ERROR: No matching distribution found for flask==99" >&2; exit 1$/);
      assert.match(error.message, /^The image build of failing failed at STEP 3\/\d+: RUN .*: while running runtime: exit status 1\.\nLast output of the step:\ncollecting flask==99\nERROR: No matching distribution found for flask==99$/);
      return true;
    });
    assert.equal(await imageExists(p.tag), false, 'no tag');
    const leftovers = (await externalContainers()).filter((c) => !before.has(c.id) && c.name.includes('working-container'));
    assert.deepEqual(leftovers, [], 'no working container');
    // The steps that succeeded stay in the engine's layer cache (the next attempt resumes there).
    const created = new BuildOutput('podman');
    lines.forEach((l) => created.push(l));
    images.push(...created.createdLayers());
  });

  it('cancel during a long RUN step: the build stops within seconds and leaves no tag, working container or layer', async () => {
    const def = await addDockerfileApp('slow', `FROM ${PYTHON_IMAGE}\nWORKDIR /srv\nRUN echo "$(date +%s%N)" > /srv/stamp\nRUN echo "long step"; sleep 120\nEXPOSE 8000\n`);
    const before = new Set((await externalContainers()).map((c) => c.id));
    const p = await plan(def);
    const controller = new AbortController();
    const output = new BuildOutput('podman');
    const building = buildAppImage(engine, p, {
      signal: controller.signal,
      onLine: (line) => {
        output.push(line);
        if (line === 'long step') {
          controller.abort();
        }
      },
    });
    const started = Date.now();
    await assert.rejects(building, CancelledError);
    const stopMs = Date.now() - started;
    console.log(`      cancelled build stopped in ${stopMs} ms`);
    assert.ok(stopMs < 15_000, `stopped in ${stopMs} ms`);
    const created = output.createdLayers();
    assert.ok(created.length >= 1, `the RUN before the long one committed a layer: ${output.lines.join('\n')}`);
    images.push(...created);
    assert.equal(await imageExists(p.tag), false, 'no tag');
    for (const layer of created) {
      assert.equal(await imageExists(layer), false, `layer ${layer} removed`);
    }
    const leftovers = (await externalContainers()).filter((c) => !before.has(c.id) && c.name.includes('working-container'));
    assert.deepEqual(leftovers, [], 'no working container');
    // SIGKILL was sent before the build ended; allow the kernel and podman's cleanup a few seconds
    // under load (seen once in CI: still listed right after), never the step's 120 s.
    const stepProcess = async (): Promise<string | undefined> =>
      (await execa('ps', ['-eo', 'pid,ppid,sid,stat,args'], { reject: false })).stdout.split('\n').find((line) => / sleep 120$/.test(line));
    const since = Date.now();
    let left = await stepProcess();
    while (left !== undefined && Date.now() - since < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = await stepProcess();
    }
    assert.equal(left, undefined, `the step’s process is gone (pid ppid sid stat args: ${left ?? ''})`);
    if (Date.now() - since > 0 && Date.now() - since >= 250) {
      console.log(`      the step's process was gone ${Date.now() - since} ms after the build ended`);
    }
  });

  it('a missing base image: refused before building under pull "never"; the engine’s own words are read too', async () => {
    const def = await addDockerfileApp('no-base', 'FROM localhost/preview-containers-test/no-such-base:1\nRUN true\n');
    const p = await plan(def);
    const counted = countingBuilds(engine);
    await assert.rejects(buildAppImage(counted, p, { signal: new AbortController().signal }), (error: unknown) => {
      assert.ok(error instanceof BaseImageMissingError);
      assert.match(error.message, /builds on "localhost\/preview-containers-test\/no-such-base:1", not available locally, and previewContainers\.pullPolicy is "never"\. Pull or build it first \(e\.g\. "podman pull localhost\/preview-containers-test\/no-such-base:1"\)/);
      return true;
    });
    assert.equal(counted.builds, 0);
    // Should the pre-check miss one (a base only the engine resolves), the build's error says the same.
    await assert.rejects(engine.build(p.spec, () => undefined, new AbortController().signal), (error: unknown) => {
      assert.ok(error instanceof EngineBuildError);
      assert.deepEqual(error.failure, { kind: 'baseImageMissing', image: 'localhost/preview-containers-test/no-such-base:1', detail: 'creating build container: localhost/preview-containers-test/no-such-base:1: image not known' });
      return true;
    });
  });

  it('mountSource: the folder read-only at the WORKDIR — an edit shows without a rebuild, the container cannot write it', async () => {
    const def = await addDockerfileApp('dev-style');
    const devLaunch: DockerfileLaunch = { ...def.launch, mountSource: true };
    const p = await planDockerfileBuild({ ref: def.app, launch: devLaunch }, { engine, pullPolicy: 'never' });
    await buildAppImage(engine, p, { signal: new AbortController().signal });
    const config = dockerfileRunConfig(p, await engine.inspectImage(p.tag), { path: 'dev-style', command: ['python3', '-m', 'http.server', '8000'] }, { containerPort: 3000 });
    assert.deepEqual(config.mount, { kind: 'readOnly', target: '/srv' });
    const { allocator } = makeController(engine, PORTS);
    const lease = await allocator.allocatePort(def.app);
    const id = await engine.run({ lease, name: containerNameFor(def.app), image: config.image, bindAddress: '127.0.0.1', containerPort: config.containerPort, command: config.command, env: config.env, mount: config.mount });
    const url = `http://127.0.0.1:${lease.port}/static/index.html`;
    const page = await fetchWhenUp(url);
    assert.match(page, /<h1>python-dockerfile<\/h1>/);
    await fs.writeFile(path.join(def.app.folder, 'static', 'index.html'), '<h1>edited on the host</h1>\n');
    assert.match(await fetchText(url), /edited on the host/, 'served from the mounted folder');
    const write = await execa('podman', ['exec', id, 'sh', '-c', 'echo x > /srv/static/index.html'], { reject: false });
    assert.notEqual(write.exitCode, 0, 'read-only mount');
    assert.match(write.stderr, /Read-only file system/);
    await engine.remove(id);
  });
});
