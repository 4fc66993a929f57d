import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeAppRef, type AppRef } from '../../src/core/appIdentity';
import type { AppController } from '../../src/core/appController';
import { createCore, type Core } from '../../src/core/createCore';
import { detectEngine } from '../../src/core/engine/detectEngine';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import type { EnginePortUsage } from '../../src/core/engine/portUsage';
import { InMemoryMemento } from '../../src/core/memento';
import type { PortAllocator } from '../../src/core/portAllocator';
import type { PortProbe } from '../../src/core/portProbe';
import { readSettings, type Settings } from '../../src/core/settings';
import { containersUnder, removeContainers } from '../harness/containers';
import { RecordingLogger } from '../unit/helpers';

export const TEST_IMAGE = process.env.PREVIEW_TEST_IMAGE ?? 'localhost/preview-node:test';

let engine: ContainerEngine | undefined;

/**
 * The real podman. Without it the suite fails when CI is set (it must never pass by skipping)
 * and is skipped with a clear reason on a developer machine.
 */
export async function realEngine(context: Mocha.Context): Promise<ContainerEngine> {
  if (engine) {
    return engine;
  }
  try {
    engine = await detectEngine({ choice: 'podman', enginePath: undefined, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });
    if (!(await engine.imageExists(TEST_IMAGE))) {
      throw new Error(`the test image ${TEST_IMAGE} is missing (run: npm run setup)`);
    }
    return engine;
  } catch (error) {
    const message = `No working podman for the engine tests: ${error instanceof Error ? error.message : String(error)}. Run: npm run setup`;
    if (process.env.CI) {
      assert.fail(message);
    }
    console.warn(`SKIPPED: ${message}`);
    context.skip();
  }
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
      await removeContainers((await containersUnder(engineToUse, this.root)).map((c) => c.id));
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
    clock: Date.now,
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

/** A real Vite app: vite comes from the npm registry, installed inside the container. */
export async function writeViteApp(folder: string, title: string): Promise<void> {
  await fs.mkdir(path.join(folder, 'src'), { recursive: true });
  await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify({ name: title, private: true, type: 'module', scripts: { dev: 'vite' }, devDependencies: { vite: '^7.0.0' } }, null, 2));
  await fs.writeFile(path.join(folder, 'index.html'), `<!doctype html><html><body><h1>${title}</h1><p id="out">(main.ts not run)</p><script type="module" src="/src/main.ts"></script></body></html>\n`);
  // TypeScript on purpose: only a real Vite dev server serves this as JavaScript.
  await fs.writeFile(path.join(folder, 'src', 'main.ts'), `const out: HTMLElement = document.getElementById('out')!;\nout.textContent = 'rendered by vite: ${title}';\n`);
}

