import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeAppRef, type AppRef } from '../../src/core/appIdentity';
import type { DockerfileLaunch } from '../../src/core/appLaunch';
import { fingerprintContext } from '../../src/core/buildContext';
import { EngineBuildError } from '../../src/core/engine/engineErrors';
import { LABEL_BASE_IMAGES, LABEL_BUILD_HASH, LABEL_BUILT_FOR } from '../../src/core/engine/labels';
import { descendantsOf, engineProcessOf, killDescendants, procTable } from '../../src/core/engine/processTree';
import { AppFolderError, BaseImageMissingError, CancelledError, ImageBuildError } from '../../src/core/errors';
import {
  buildAppImage,
  containedBuildInputs,
  currentBuildHash,
  isOutdated,
  needsBuild,
  planDockerfileBuild,
  type DockerfileBuildPlan,
} from '../../src/core/imageBuild';
import { dockerfileRunConfig } from '../../src/core/dockerfileRun';
import { FakeEngine } from './fakeEngine';

const BASE = 'localhost/preview-python:test';
const DOCKERFILE = `FROM ${BASE}\nWORKDIR /srv\nCOPY . .\nEXPOSE 8000\nCMD ["python3", "server.py"]\n`;

describe('Dockerfile app builds (imageBuild.ts, with a fake engine)', () => {
  let root: string;
  let app: AppRef;
  let launch: DockerfileLaunch;
  let engine: FakeEngine;

  beforeEach(async () => {
    root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'pc-build-')));
    const folder = path.join(root, 'api');
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, 'Dockerfile'), DOCKERFILE);
    await fs.writeFile(path.join(folder, 'server.py'), 'print("hi")\n');
    app = makeAppRef(folder, root);
    launch = { kind: 'dockerfile', dockerfile: path.join(folder, 'Dockerfile'), context: folder, target: undefined, buildArgs: {}, mountSource: false };
    engine = new FakeEngine();
    engine.images.add(BASE);
    engine.imageDetails.set(BASE, { id: 'base-1', tags: [BASE], labels: {}, exposedPorts: [], workingDir: undefined });
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const plan = (overrides: Partial<DockerfileLaunch> = {}, pullPolicy: 'never' | 'missing' | 'always' = 'never') =>
    planDockerfileBuild({ ref: app, launch: { ...launch, ...overrides } }, { engine, pullPolicy });
  const signal = () => new AbortController().signal;

  it('plans a tag per app and content, labelled with the app, hash, Dockerfile, folder and base images', async () => {
    const p = await plan();
    assert.match(p.tag, /^localhost\/preview-containers\/api:[0-9a-f]{12}$/);
    assert.equal(p.tag, `localhost/preview-containers/api:${p.hash}`);
    assert.deepEqual(p.spec.labels, {
      [LABEL_BUILD_HASH]: p.hash,
      [LABEL_BUILT_FOR]: app.key,
      [LABEL_BASE_IMAGES]: `${BASE}=base-1`,
    });
    assert.deepEqual(p.baseImages, [{ reference: BASE, id: 'base-1' }]);
    assert.equal(p.spec.pull, 'never');
    assert.deepEqual(p.notes, []);
  });

  it('the hash follows the Dockerfile, the build settings and the context — not ignored files', async () => {
    const first = (await plan()).hash;
    assert.equal((await plan()).hash, first, 'stable');
    assert.notEqual((await plan({ buildArgs: { A: '1' } })).hash, first);
    assert.notEqual((await plan({ target: 'dev' })).hash, first);
    await fs.writeFile(path.join(app.folder, '.dockerignore'), 'notes.txt\n*.log\n');
    const withIgnore = (await plan()).hash;
    assert.notEqual(withIgnore, first, 'the ignore file is part of the context');
    await fs.writeFile(path.join(app.folder, 'notes.txt'), 'scratch');
    await fs.writeFile(path.join(app.folder, 'debug.log'), 'x');
    assert.equal((await plan()).hash, withIgnore, 'ignored files do not count');
    await fs.writeFile(path.join(app.folder, 'server.py'), 'print("changed")\n');
    const edited = (await plan()).hash;
    assert.notEqual(edited, withIgnore, 'an edited source file does');
    await fs.writeFile(launch.dockerfile, `${DOCKERFILE}# a comment\n`);
    assert.notEqual((await plan()).hash, edited, 'the Dockerfile text does');
  });

  it('refuses a Dockerfile or context that resolves outside the workspace (a link swapped in after discovery)', async () => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-outside-'));
    try {
      await fs.writeFile(path.join(outside, 'Dockerfile'), 'FROM x\nCOPY . .\n');
      await fs.rm(launch.dockerfile);
      await fs.symlink(path.join(outside, 'Dockerfile'), launch.dockerfile);
      await assert.rejects(plan(), (error: unknown) => error instanceof AppFolderError && /its Dockerfile .* resolves to .*pc-outside-.*, outside the workspace/.test(error.message));
      await fs.symlink(outside, path.join(app.folder, 'ctx'));
      await assert.rejects(containedBuildInputs(app, { ...launch, dockerfile: path.join(root, 'api', 'server.py'), context: path.join(app.folder, 'ctx') }), /its build context .* resolves to/);
      await assert.rejects(containedBuildInputs(app, { ...launch, dockerfile: path.join(app.folder, 'Nope') }), /its Dockerfile .*Nope does not exist/);
      await assert.rejects(containedBuildInputs(app, { ...launch, dockerfile: app.folder }), /is not a file/);
      // Another workspace folder may hold it: the folders discovery allowed travel with the launch.
      assert.ok(await containedBuildInputs(app, launch, [root, outside]));
      assert.ok(await containedBuildInputs(app, { ...launch, roots: [root, outside] }));
      await assert.rejects(containedBuildInputs(app, { ...launch, roots: [root] }), /resolves to .*pc-outside-/);
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });

  it('needsBuild: no image → build; built → no build; pull "always", a changed base image or Rebuild → build', async () => {
    const p = await plan();
    assert.equal(await needsBuild(engine, p, { pullPolicy: 'never' }), 'noImage');
    await buildAppImage(engine, p, { signal: signal() });
    assert.equal(await needsBuild(engine, p, { pullPolicy: 'never' }), undefined);
    assert.equal(await needsBuild(engine, p, { pullPolicy: 'always' }), 'pullAlways');
    assert.equal(await needsBuild(engine, p, { pullPolicy: 'never', force: true }), 'forced');
    await buildAppImage(engine, p, { signal: signal(), noCache: true });
    assert.ok(engine.buildArgs[1]?.includes('--no-cache'), 'Rebuild runs every step again');
    assert.ok(!engine.buildArgs[0]?.includes('--no-cache'));
    engine.imageDetails.set(BASE, { id: 'base-2', tags: [BASE], labels: {}, exposedPorts: [], workingDir: undefined });
    assert.equal(await needsBuild(engine, await plan(), { pullPolicy: 'never' }), 'baseChanged');
    engine.imageDetails.delete(BASE);
    engine.images.delete(BASE);
    assert.equal(await needsBuild(engine, await plan(), { pullPolicy: 'never' }), undefined, 'a base removed after the build does not make the image unusable');
  });

  it('a missing base image under pull "never" is refused before any build, naming the image and what to do', async () => {
    engine.images.delete(BASE);
    engine.imageDetails.delete(BASE);
    const p = await plan();
    await assert.rejects(buildAppImage(engine, p, { signal: signal() }), (error: unknown) => {
      assert.ok(error instanceof BaseImageMissingError);
      assert.deepEqual(error.images, [BASE]);
      assert.match(error.message, /builds on "localhost\/preview-python:test", not available locally, and previewContainers\.pullPolicy is "never"\. Pull or build it first \(e\.g\. "fake-podman pull localhost\/preview-python:test"\), or set the pull policy to "missing"\./);
      return true;
    });
    assert.equal(engine.buildArgs.length, 0);
    // Under "missing" the engine pulls it: the build goes ahead.
    await buildAppImage(engine, await plan({}, 'missing'), { signal: signal() });
    assert.equal(engine.buildArgs.length, 1);
    assert.ok(engine.buildArgs[0]?.includes('--pull=missing'));
  });

  it('a failing step becomes an ImageBuildError naming the step with its output; a base that could not be pulled names it', async () => {
    const p = await plan();
    engine.buildFailures.push(new EngineBuildError({ kind: 'step', step: { position: '3/5', instruction: 'RUN pip install -r requirements.txt' }, detail: 'while running runtime: exit status 1', output: ['ERROR: No matching distribution found for flask==99'] }, [], 1));
    await assert.rejects(buildAppImage(engine, p, { signal: signal() }), (error: unknown) => {
      assert.ok(error instanceof ImageBuildError);
      assert.equal(error.step, 'STEP 3/5: RUN pip install -r requirements.txt');
      assert.equal(error.message, 'The image build of api failed at STEP 3/5: RUN pip install -r requirements.txt: while running runtime: exit status 1.\nLast output of the step:\nERROR: No matching distribution found for flask==99');
      assert.deepEqual(error.actions, ['showLogs', 'retry']);
      return true;
    });
    engine.buildFailures.push(new EngineBuildError({ kind: 'baseImageUnavailable', image: 'python:3.12', detail: 'pinging container registry registry-1.docker.io: no such host' }, [], 125));
    await assert.rejects(buildAppImage(engine, await plan({}, 'missing'), { signal: signal() }), (error: unknown) => error instanceof BaseImageMissingError && error.reason === 'pullFailed' && /"python:3\.12", which could not be pulled: pinging container registry/.test(error.message));
    assert.equal(engine.images.has(p.tag), false);
  });

  it('streams lines and steps; cancel is the engine’s CancelledError', async () => {
    const lines: string[] = [];
    const steps: string[] = [];
    await buildAppImage(engine, await plan(), { signal: signal(), onLine: (l) => lines.push(l), onStep: (s) => steps.push(`${s.position} ${s.instruction}`) });
    assert.deepEqual(lines, engine.buildOutput);
    assert.deepEqual(steps, ['1/2 FROM localhost/preview-python:test', '2/2 EXPOSE 8000']);
    engine.buildDelayMs = 10_000;
    const controller = new AbortController();
    await fs.writeFile(path.join(app.folder, 'server.py'), 'print("new")\n');
    const pending = buildAppImage(engine, await plan(), { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, CancelledError);
  });

  it('after a build, the app’s older images go (the current one stays)', async () => {
    const old = await plan();
    await buildAppImage(engine, old, { signal: signal() });
    await fs.writeFile(path.join(app.folder, 'server.py'), 'print("v2")\n');
    const current = await plan();
    await buildAppImage(engine, current, { signal: signal() });
    assert.ok(engine.calls.includes(`rmi ${old.tag}`));
    assert.equal(engine.images.has(current.tag), true);
    assert.equal(engine.images.has(old.tag), false);
  });

  it('run config: the image, the port rule, the image’s own command unless the entry has one, nothing mounted', async () => {
    const p = await plan();
    await buildAppImage(engine, p, { signal: signal() });
    const image = await engine.inspectImage(p.tag);
    const config = dockerfileRunConfig(p, image, undefined, { containerPort: 3000 });
    assert.equal(config.image, p.tag);
    assert.equal(config.containerPort, 8000);
    assert.deepEqual(config.command, []);
    assert.deepEqual(config.mount, { kind: 'none' });
    assert.match(config.origin, /container port 8000 from EXPOSE/);
    const custom = dockerfileRunConfig(p, image, { path: 'api', command: 'python3 -m http.server 9000', containerPort: 9000, env: { A: '1' } }, { containerPort: 3000 });
    assert.deepEqual([custom.command, custom.containerPort, custom.env], [['sh', '-c', 'python3 -m http.server 9000'], 9000, { A: '1' }]);
    assert.deepEqual(dockerfileRunConfig(p, image, { path: 'api', command: ['python3', 'x.py'] }, { containerPort: 3000 }).command, ['python3', 'x.py']);
  });

  it('run config with mountSource: the folder read-only at the image’s WORKDIR (else the Dockerfile’s); none → a clear error', async () => {
    const p = await plan({ mountSource: true });
    assert.deepEqual(dockerfileRunConfig(p, { id: 'x', tags: [], labels: {}, exposedPorts: [], workingDir: '/code' }, undefined, { containerPort: 3000 }).mount, { kind: 'readOnly', target: '/code' });
    assert.deepEqual(dockerfileRunConfig(p, undefined, undefined, { containerPort: 3000 }).mount, { kind: 'readOnly', target: '/srv' });
    await fs.writeFile(launch.dockerfile, `FROM ${BASE}\nCOPY . /\n`);
    const rootless = await plan({ mountSource: true });
    assert.throws(() => dockerfileRunConfig(rootless, { id: 'x', tags: [], labels: {}, exposedPorts: [], workingDir: undefined }, undefined, { containerPort: 3000 }), (error: unknown) => error instanceof AppFolderError && /mountSource mounts its folder at the image's WORKDIR, and the image has none\. Add a WORKDIR/.test(error.message));
  });

  it('the tree’s "Dockerfile changed" check: the container’s inherited hash label against the current hash', async () => {
    const p = await plan();
    assert.equal(await currentBuildHash(app, launch), p.hash);
    assert.equal(isOutdated({ [LABEL_BUILD_HASH]: p.hash }, p.hash), false);
    await fs.writeFile(launch.dockerfile, `${DOCKERFILE}ENV CHANGED=1\n`);
    assert.equal(isOutdated({ [LABEL_BUILD_HASH]: p.hash }, await currentBuildHash(app, launch)), true);
    assert.equal(isOutdated({}, 'x'), false, 'a Node app’s container has no build hash');
    assert.equal(await currentBuildHash(app, { ...launch, dockerfile: '/nope' }), undefined);
  });

  it('the context fingerprint stops at a bound, and says so', async () => {
    for (let i = 0; i < 12; i++) {
      await fs.writeFile(path.join(app.folder, `f${i}.txt`), String(i));
    }
    const small = await fingerprintContext(app.folder, { maxEntries: 5 });
    assert.equal(small.truncated, true);
    assert.equal(small.entries, 5);
    assert.equal((await fingerprintContext(app.folder)).truncated, false);
  });

  it('a plan for a Dockerfile it cannot read still builds, with notes for the log', async () => {
    await fs.writeFile(launch.dockerfile, 'this is not a dockerfile\n');
    const p: DockerfileBuildPlan = await plan();
    assert.equal(p.facts, undefined);
    assert.deepEqual(p.baseImages, []);
    assert.ok(p.notes.some((n) => n.endsWith('the Dockerfile has no FROM instruction.')), p.notes.join('; '));
    assert.ok((await plan({ target: 'dev' })).notes.length > 0);
  });
});

describe('process tree (cancelling a podman build)', () => {
  it('finds every descendant, parents first, and never the process itself or others', () => {
    const table = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
      [21, 20],
    ]);
    assert.deepEqual(descendantsOf(10, table), [11, 13, 12]);
    assert.deepEqual(descendantsOf(99, table), []);
    const killed: number[] = [];
    assert.equal(killDescendants(10, () => table, (pid) => killed.push(pid)), 3);
    assert.deepEqual(killed, [11, 13, 12]);
    // The build runs under the host-death watcher (10, node): its steps are below podman (11).
    const programs = new Map([[10, '/usr/bin/node'], [11, 'podman'], [20, '/usr/bin/podman']]);
    const program = (pid: number): string => programs.get(pid) ?? '';
    assert.equal(engineProcessOf(10, 'podman', () => table, program), 11);
    assert.equal(engineProcessOf(20, 'podman', () => table, program), 20, 'started directly');
    assert.equal(engineProcessOf(12, 'podman', () => table, program), undefined, 'no podman there (it ended)');
  });

  it('reads the real /proc: a child of this process is found', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(descendantsOf(process.pid, procTable()).includes(child.pid ?? -1));
    } finally {
      child.kill();
    }
  });
});
