import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { discoverApps } from '../../src/core/appDiscovery';
import type { AppDefinition } from '../../src/core/appFolder';
import { makeAppRef, type AppRef } from '../../src/core/appIdentity';
import type { AppController } from '../../src/core/appController';
import { createCore, type Core } from '../../src/core/createCore';
import { detectEngine } from '../../src/core/engine/detectEngine';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { LABEL_BUILT_FOR } from '../../src/core/engine/labels';
import type { ImageSummary } from '../../src/core/engine/images';
import type { EnginePortUsage } from '../../src/core/engine/portUsage';
import { InMemoryMemento } from '../../src/core/memento';
import type { PortAllocator } from '../../src/core/portAllocator';
import type { PortProbe } from '../../src/core/portProbe';
import { readSettings, type Settings } from '../../src/core/settings';
import type { EngineKind } from '../../src/core/engine/types';
import { containersUnder, removeContainers, type EngineCli } from '../harness/containers';
import { DOCKER_PYTHON_IMAGE, requireTestDockerd } from '../harness/dockerd';
import { RecordingLogger } from '../unit/helpers';

export const TEST_IMAGE = process.env.PREVIEW_TEST_IMAGE ?? 'localhost/preview-node:test';
/** The Python base image of the Dockerfile fixtures (scripts/build-python-image.sh). */
export const PYTHON_IMAGE = DOCKER_PYTHON_IMAGE;
/** A Python app with its own Dockerfile (FROM PYTHON_IMAGE). */
export const PYTHON_DOCKERFILE_FIXTURE = path.resolve(__dirname, '../../../test/fixtures/apps/python-dockerfile');

/**
 * The engines every real-engine test runs on. A docker variant adds `portOffset` to each port its
 * podman twin uses, so the two never collide: podman 32100–32780, docker 36500–37180.
 */
export interface EngineVariant {
  readonly kind: EngineKind;
  readonly portOffset: number;
}
export const ENGINE_VARIANTS: readonly EngineVariant[] = [
  { kind: 'podman', portOffset: 0 },
  { kind: 'docker', portOffset: 4400 },
];

const engines = new Map<EngineKind, ContainerEngine>();

/**
 * The real engine of this kind (docker: the tests' own dockerd, test/harness/dockerd.ts). Without
 * it the suite fails when CI is set (it must never pass by skipping) and is skipped with a clear
 * reason on a developer machine.
 */
export async function realEngine(context: Mocha.Context, kind: EngineKind = 'podman'): Promise<ContainerEngine> {
  const known = engines.get(kind);
  if (known) {
    return known;
  }
  if (kind === 'docker') {
    requireTestDockerd(context);
  }
  try {
    const engine = await detectEngine({ choice: kind, enginePath: undefined, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });
    if (!(await engine.imageExists(TEST_IMAGE))) {
      throw new Error(`the test image ${TEST_IMAGE} is missing (run: npm run setup)`);
    }
    engines.set(kind, engine);
    return engine;
  } catch (error) {
    const message = `No working ${kind} for the real-engine tests: ${error instanceof Error ? error.message : String(error)}. Run: npm run setup`;
    if (process.env.CI) {
      assert.fail(message);
    }
    console.warn(`SKIPPED: ${message}`);
    context.skip();
  }
}

/**
 * The real podman with the Python base image of the Dockerfile fixtures; like `realEngine`, a
 * missing one fails under CI and skips with the reason elsewhere.
 */
export async function realEngineWithPython(context: Mocha.Context, kind: EngineKind = 'podman'): Promise<ContainerEngine> {
  const engine = await realEngine(context, kind);
  if (!(await engine.imageExists(PYTHON_IMAGE))) {
    const message = `the Python base image ${PYTHON_IMAGE} is missing (run: npm run setup, or bash scripts/build-python-image.sh)`;
    if (process.env.CI) {
      assert.fail(message);
    }
    console.warn(`SKIPPED: ${message}`);
    context.skip();
  }
  return engine;
}

/** The engine, counting `build` calls (an unchanged Dockerfile app must start without one). */
export function countingBuilds(engine: ContainerEngine): ContainerEngine & { builds: number } {
  const wrapped = Object.assign(Object.create(engine) as ContainerEngine, { builds: 0 });
  wrapped.build = (...args: Parameters<ContainerEngine['build']>) => {
    wrapped.builds++;
    return engine.build(...args);
  };
  return wrapped;
}

/** `<engine> <args…>` with the engine's own CLI (for what a user would do outside the editor). */
export function engineCli(engine: EngineCli, args: readonly string[]) {
  return execa(engine.binary, [...args], { stdin: 'ignore' });
}

let foreignContainers = 0;

/**
 * A container that is not ours (no labels) serving `folder`'s server.js on 127.0.0.1:`port`;
 * returns its id. A refused start leaves a created container behind: it is removed (by the name
 * given here) before the error is passed on.
 */
export async function runForeignContainer(engine: EngineCli, port: number, folder: string): Promise<string> {
  // The suites' ports lie in Linux's ephemeral range (32768–60999): a test's own outgoing
  // connection can hold one for a moment (seen once in CI on docker), so a refused bind is retried.
  for (let attempt = 1; ; attempt++) {
    const name = `pc-foreign-${process.pid}-${++foreignContainers}`;
    try {
      const { stdout } = await engineCli(engine, ['run', '-d', '--name', name, '--init', '-p', `127.0.0.1:${port}:3000`, '-v', `${folder}:/app`, '-w', '/app', TEST_IMAGE, 'node', 'server.js']);
      return stdout.trim().split('\n').pop() ?? '';
    } catch (error) {
      await execa(engine.binary, ['rm', '--force', name], { stdin: 'ignore', reject: false });
      if (attempt >= 5 || !/address already in use|port is already allocated/.test(String(error))) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** `rm -f` as a user types it (podman would wait its 10 s stop timeout without `-t`). */
export function forceRemoveArgs(engine: EngineCli, id: string): string[] {
  return engine.kind === 'podman' ? ['rm', '-f', '-t', '1', id] : ['rm', '-f', id];
}

/** A temp workspace whose app folders are removed, with their containers, by `cleanUp`. */
export class TestWorkspace {
  readonly apps: AppRef[] = [];
  private constructor(readonly root: string) {}

  static async create(prefix = 'pc-engine'): Promise<TestWorkspace> {
    return new TestWorkspace(await fs.mkdtemp(path.join(os.tmpdir(), `${prefix}-`)));
  }

  /**
   * A tiny app: answers every request with its own name; `/` is an HTML page that loads an
   * absolute-path script (as real dev servers do).
   */
  async addApp(folderName: string, options: { serverCode?: string; name?: string } = {}): Promise<AppRef> {
    const folder = path.join(this.root, folderName);
    await fs.mkdir(folder, { recursive: true });
    const name = options.name ?? folderName;
    await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify({ name, scripts: { start: 'node server.js' } }, null, 2));
    await fs.writeFile(path.join(folder, 'server.js'), options.serverCode ?? serverSource());
    const ref = makeAppRef(folder, this.root, name);
    this.apps.push(ref);
    return ref;
  }

  /** Removes every container labelled with one of this workspace's folders (by id, in one call), then the folder. */
  async cleanUp(engineToUse: ContainerEngine | undefined): Promise<void> {
    if (engineToUse) {
      await removeContainers((await containersUnder(engineToUse, this.root)).map((c) => c.id), engineToUse);
    }
    await fs.rm(this.root, { recursive: true, force: true });
  }
}

export function serverSource(): string {
  return `const http = require('http');
const name = require('./package.json').name;
const server = http.createServer((req, res) => {
  if (req.url === '/app.js') {
    res.setHeader('content-type', 'text/javascript');
    res.end('document.getElementById("from-script").textContent = ' + JSON.stringify('script of ' + name) + ';');
    return;
  }
  if (req.url === '/name') {
    res.end(name);
    return;
  }
  res.setHeader('content-type', 'text/html');
  res.end('<!doctype html><html><body><h1>' + name + '</h1><p id="from-script"></p><script src="/app.js"></script></body></html>');
});
server.listen(Number(process.env.PORT || 3000), process.env.HOST || '0.0.0.0', () => {
  console.log('listening at ' + (performance.timeOrigin + performance.now()).toFixed(3));
});
process.on('SIGTERM', () => process.exit(0));
`;
}

export interface ControllerFixture {
  /** The whole core, composed by createCore as activate() composes it. */
  core: Core;
  controller: AppController;
  allocator: PortAllocator;
  logger: RecordingLogger;
  settings: Settings;
  /** Stops the event stream started with `events: true` (no-op otherwise). */
  stopEvents: () => Promise<void>;
}

export function makeController(
  engineToUse: ContainerEngine,
  options: {
    start: number;
    end: number;
    settings?: Record<string, unknown>;
    probe?: PortProbe;
    engineUsage?: EnginePortUsage | null;
    /** Exit notices from a live event stream, as activate() wires them (call `stopEvents`). */
    events?: boolean;
    apps?: readonly AppRef[];
    /** Replaces Date.now (idle tests move time forward instead of waiting). */
    clock?: () => number;
  } = { start: 32100, end: 32200 },
): ControllerFixture {
  const logger = new RecordingLogger();
  const settings = readSettings((name) =>
    ({
      'portRange.start': options.start,
      'portRange.end': options.end,
      image: TEST_IMAGE,
      pullPolicy: 'never',
      startupTimeoutSeconds: 30,
      // Never the user's shared cache volume: a test that wants one names its own (and removes it).
      packageCacheVolume: '',
      ...options.settings,
    })[name],
  );
  const core = createCore({
    memento: new InMemoryMemento(),
    settings: () => settings,
    clock: options.clock ?? Date.now,
    logger,
    exec: execaExec,
    stream: execaStream,
    apps: () => options.apps ?? [],
    detectEngine: () => Promise.resolve(engineToUse),
    ...(options.probe ? { probe: options.probe } : {}),
    ...(options.engineUsage === undefined ? {} : { engineUsage: options.engineUsage }),
    exitsFromEvents: options.events ?? false,
  });
  if (options.events) {
    core.follower.start();
  }
  return { core, controller: core.controller, allocator: core.allocator, logger, settings, stopEvents: () => core.follower.stop() };
}

/** GET a URL, resolving with the body (rejects on connection errors). */
export async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return response.text();
}

/** GET a URL once it answers (a container just started), polling every 100 ms for up to 10 s; '' if it never does. */
export async function fetchWhenUp(url: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const page = await fetchText(url).catch(() => '');
    if (page) {
      return page;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return '';
}

/** A real Vite app: vite comes from the npm registry, installed inside the container. */
export async function writeViteApp(folder: string, title: string): Promise<void> {
  await fs.mkdir(path.join(folder, 'src'), { recursive: true });
  await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify({ name: title, private: true, type: 'module', scripts: { dev: 'vite' }, devDependencies: { vite: '^7.0.0' } }, null, 2));
  await fs.writeFile(path.join(folder, 'index.html'), `<!doctype html><html><body><h1>${title}</h1><p id="out">(main.ts not run)</p><script type="module" src="/src/main.ts"></script></body></html>\n`);
  // TypeScript on purpose: only a real Vite dev server serves this as JavaScript.
  await fs.writeFile(path.join(folder, 'src', 'main.ts'), `const out: HTMLElement = document.getElementById('out')!;\nout.textContent = 'rendered by vite: ${title}';\n`);
}


/** What a Dockerfile-app suite works with (see useDockerfileSuite). */
export interface DockerfileSuite {
  readonly engine: () => ContainerEngine;
  readonly workspace: () => TestWorkspace;
  /** A controller for this test; disposed after it. */
  readonly controller: (engineToUse: ContainerEngine, options: Parameters<typeof makeController>[1]) => ControllerFixture;
  /** A copy of the Python fixture app (or its folder with a Dockerfile of the test's own). */
  readonly addPythonApp: (folderName: string, dockerfile?: string) => Promise<void>;
  /** The workspace's apps as the extension finds them (tracked for clean-up). */
  readonly discover: () => Promise<AppDefinition[]>;
}

/**
 * The images built for an app that carry a tag. A failed build leaves none; the layers of the steps
 * before the failing one may stay, untagged, as the engine's build cache (podman labels them with
 * the build's labels), so that the retry after a fix does not redo them.
 */
export async function taggedImagesOf(engine: ContainerEngine, appKey: string): Promise<ImageSummary[]> {
  return (await engine.listImages({ key: LABEL_BUILT_FOR, value: appKey })).filter((image) => image.tags.length > 0);
}

/**
 * Mocha hooks of a suite of Dockerfile apps on `kind`: the engine with the Python base image, a
 * fresh workspace per test, and after each test its controller disposed, its containers removed
 * and the images built for its apps deleted — whatever the test did.
 */
export function useDockerfileSuite(kind: EngineKind, workspaceName: string): DockerfileSuite {
  let engine: ContainerEngine | undefined;
  let workspace: TestWorkspace | undefined;
  let fixture: ControllerFixture | undefined;
  before(async function () {
    engine = await realEngineWithPython(this, kind);
  });
  beforeEach(async () => {
    workspace = await TestWorkspace.create(workspaceName);
  });
  afterEach(async () => {
    await fixture?.core.dispose();
    fixture = undefined;
    if (!engine || !workspace) {
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
  const current = (): TestWorkspace => {
    assert.ok(workspace, 'the workspace exists once the suite runs');
    return workspace;
  };
  return {
    engine: () => {
      assert.ok(engine, 'the engine exists once the suite runs');
      return engine;
    },
    workspace: current,
    controller: (engineToUse, options) => (fixture = makeController(engineToUse, options)),
    addPythonApp: async (folderName, dockerfile) => {
      const folder = path.join(current().root, folderName);
      await fs.cp(PYTHON_DOCKERFILE_FIXTURE, folder, { recursive: true });
      if (dockerfile !== undefined) {
        await fs.writeFile(path.join(folder, 'Dockerfile'), dockerfile);
      }
    },
    discover: async () => {
      const ws = current();
      const apps = await discoverApps([{ name: 'ws', path: ws.root }], []);
      for (const def of apps) {
        if (!ws.apps.some((a) => a.key === def.ref.key)) {
          ws.apps.push(def.ref);
        }
      }
      return apps;
    },
  };
}

/**
 * The first run of the Python fixture app: one build, a pool port, its page, the build's steps in
 * the progress. Returns the run's result and the progress stages.
 */
export async function firstBuiltRun(
  counted: { readonly builds: number },
  controller: AppController,
  def: AppDefinition,
  ports: { readonly start: number; readonly end: number },
): Promise<{ result: Awaited<ReturnType<AppController['run']>>; stages: string[] }> {
  const stages: string[] = [];
  const result = await controller.run(def, { onProgress: (stage) => stages.push(stage) });
  assert.equal(counted.builds, 1);
  assert.ok(result.port >= ports.start && result.port <= ports.end, `pool port ${result.port}`);
  assert.match(await (await fetch(result.url)).text(), /<h1>python-dockerfile<\/h1>/);
  assert.ok(stages.some((s) => /^Building: step 1\/\d+ FROM localhost\/preview-python:test$/.test(s)), `the build's steps in the progress: ${stages.join(' | ')}`);
  return { result, stages };
}
