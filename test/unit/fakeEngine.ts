import { EngineNotRespondingError } from '../../src/core/errors';
import * as http from 'node:http';
import { CancelledError } from '../../src/core/errors';
import { buildBuildArgv, type BuildSpec } from '../../src/core/engine/buildArgv';
import type { BuildResult, ContainerEngine, EngineInfo } from '../../src/core/engine/containerEngine';
import { EngineRunError, type EngineBuildError } from '../../src/core/engine/engineErrors';
import type { ImageDetails, ImageSummary } from '../../src/core/engine/images';
import { buildRunArgs, type RunSpec } from '../../src/core/engine/runArgs';
import type { ContainerDetails, ContainerSummary, EngineEvent } from '../../src/core/engine/types';
import type { Listener } from '../../src/core/listeners';

interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  running: boolean;
  hostPort: number;
  bindAddress: string;
  exitCode: number | undefined;
  startedAt: number | undefined;
  server: http.Server | undefined;
  logs: string[];
  waiters: ((code: number) => void)[];
}

export type AppBehaviour = 'serve' | { exitWith: number; log?: string } | 'never';

/**
 * An in-memory engine for unit tests. "Containers" are real HTTP servers on the published port
 * (so readiness is checked over real sockets), and every `run` argv is built with the real
 * buildRunArgs and recorded.
 */
export class FakeEngine implements ContainerEngine {
  readonly kind = 'podman' as const;
  readonly binary = 'fake-podman';
  host: string | undefined = undefined;
  readonly containers = new Map<string, FakeContainer>();
  readonly runArgs: string[][] = [];
  readonly images = new Set<string>(['localhost/preview-node:test']);
  readonly pulled: string[] = [];
  /** Errors to throw from the next `run` calls, in order. */
  readonly runFailures: EngineRunError[] = [];
  behaviour: (spec: RunSpec) => AppBehaviour = () => 'serve';
  /** Delay before the "app" starts listening. */
  startDelayMs = 0;
  available = true;
  calls: string[] = [];
  private nextId = 1;
  private readonly eventListeners = new Set<(event: EngineEvent) => void>();
  /** What each container (by name) listens on, as a test sets it; undefined: cannot tell. */
  readonly sockets = new Map<string, Listener[]>();

  async info(): Promise<EngineInfo> {
    this.assertAvailable('info');
    return { kind: 'podman', version: 'fake' };
  }

  async run(spec: RunSpec): Promise<string> {
    this.assertAvailable('run');
    const args = buildRunArgs(spec);
    this.runArgs.push(args);
    const failure = this.runFailures.shift();
    if (failure) {
      throw failure;
    }
    if (!this.images.has(spec.image)) {
      throw new EngineRunError('imageMissing', `Error: ${spec.image}: image not known`, undefined);
    }
    for (const c of this.containers.values()) {
      if (c.name === spec.name) {
        throw new EngineRunError('nameInUse', `Error: the container name "${spec.name}" is already in use`, undefined);
      }
      if (c.running && c.hostPort === spec.lease.port) {
        throw new EngineRunError('portConflict', `Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:${spec.lease.port}: bind: address already in use`, spec.lease.port);
      }
    }
    const labels: Record<string, string> = {};
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--label') {
        const [key, ...rest] = (args[i + 1] ?? '').split('=');
        labels[key ?? ''] = rest.join('=');
      }
    }
    const id = `fake${String(this.nextId++).padStart(60, '0')}`;
    const container: FakeContainer = {
      id,
      name: spec.name,
      image: spec.image,
      labels,
      running: true,
      hostPort: spec.lease.port,
      bindAddress: spec.bindAddress,
      exitCode: undefined,
      startedAt: Date.now(),
      server: undefined,
      logs: [],
      waiters: [],
    };
    this.containers.set(id, container);
    this.emit(container, 'start');
    const behaviour = this.behaviour(spec);
    if (behaviour === 'serve') {
      setTimeout(() => this.serve(container), this.startDelayMs);
    } else if (behaviour !== 'never') {
      container.logs.push(behaviour.log ?? 'crashing');
      setTimeout(() => this.exit(container, behaviour.exitWith), this.startDelayMs);
    }
    return id;
  }

  async start(idOrName: string): Promise<void> {
    const c = this.find(idOrName);
    if (c) {
      c.running = true;
      this.serve(c);
    }
  }

  async stop(idOrName: string): Promise<void> {
    this.assertAvailable('stop');
    const c = this.find(idOrName);
    if (c?.running) {
      this.exit(c, 0);
    }
  }

  async remove(idOrName: string): Promise<void> {
    this.assertAvailable('rm');
    const c = this.find(idOrName);
    if (c) {
      if (c.running) {
        this.exit(c, 137);
      }
      this.containers.delete(c.id);
      this.emit(c, 'remove');
    }
  }

  readonly removedVolumes: string[] = [];

  async removeVolumes(names: readonly string[]): Promise<void> {
    this.removedVolumes.push(...names);
  }

  async list(options: { all: boolean; ours: boolean }): Promise<ContainerSummary[]> {
    this.assertAvailable('ps');
    return [...this.containers.values()]
      .filter((c) => (options.all || c.running) && (!options.ours || c.labels['previewContainers.managed'] === 'true'))
      .map((c) => this.summary(c));
  }

  async inspect(idOrName: string): Promise<ContainerDetails | undefined> {
    this.assertAvailable('inspect');
    const c = this.find(idOrName);
    return c ? { ...this.summary(c), startedAt: c.startedAt, finishedAt: undefined, error: undefined, privileged: false, mountSources: [c.labels['previewContainers.path'] ?? ''] } : undefined;
  }

  async logs(idOrName: string, tail: number): Promise<string[]> {
    return (this.find(idOrName)?.logs ?? []).slice(-tail);
  }

  async followLogs(idOrName: string, onLine: (line: string) => void): Promise<void> {
    for (const line of this.find(idOrName)?.logs ?? []) {
      onLine(line);
    }
  }

  events(onEvent: (event: EngineEvent) => void, signal: AbortSignal): Promise<{ reason: string }> {
    this.eventListeners.add(onEvent);
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        this.eventListeners.delete(onEvent);
        resolve({ reason: 'cancelled' });
      }, { once: true });
    });
  }

  /** How many `wait` calls were made (each is a whole engine process in reality). */
  waits = 0;

  wait(idOrName: string, signal: AbortSignal): Promise<number | undefined> {
    this.waits++;
    const c = this.find(idOrName);
    if (!c) {
      return Promise.resolve(undefined);
    }
    if (!c.running) {
      return Promise.resolve(c.exitCode);
    }
    return new Promise((resolve) => {
      c.waiters.push(resolve);
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
  }

  async listeners(idOrName: string): Promise<Listener[] | undefined> {
    const c = this.find(idOrName);
    return c ? this.sockets.get(c.name) : undefined;
  }

  async imageExists(image: string): Promise<boolean> {
    return this.images.has(image);
  }

  async pull(image: string): Promise<void> {
    this.pulled.push(image);
    this.images.add(image);
  }

  /** Every `build` argv (built with the real buildBuildArgv). */
  readonly buildArgs: string[][] = [];
  /** Errors to throw from the next `build` calls, in order. */
  readonly buildFailures: EngineBuildError[] = [];
  /** Details of images (labels, ports, workdir) the fake "built" or was told about. */
  readonly imageDetails = new Map<string, ImageDetails>();
  /** Lines each build "prints"; a build waits `buildDelayMs` before tagging. */
  buildOutput: string[] = ['STEP 1/2: FROM localhost/preview-python:test', 'STEP 2/2: EXPOSE 8000', 'COMMIT'];
  buildDelayMs = 0;

  async build(spec: BuildSpec, onLine: (line: string) => void, signal: AbortSignal): Promise<BuildResult> {
    this.buildArgs.push(buildBuildArgv(spec, this.kind));
    for (const line of this.buildOutput) {
      onLine(line);
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve(); // aborted while "printing": no listener would fire any more
        return;
      }
      const timer = setTimeout(resolve, this.buildDelayMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (signal.aborted) {
      throw new CancelledError(`Building ${spec.tag}`);
    }
    const failure = this.buildFailures.shift();
    if (failure) {
      throw failure;
    }
    this.images.add(spec.tag);
    this.imageDetails.set(spec.tag, { id: `id-${spec.tag}`, tags: [spec.tag], labels: { ...spec.labels }, exposedPorts: ['8000/tcp'], workingDir: '/srv' });
    return { createdLayers: [] };
  }

  async removeImage(ref: string): Promise<void> {
    this.calls.push(`rmi ${ref}`);
    this.images.delete(ref);
    this.imageDetails.delete(ref);
  }

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    return this.imageDetails.get(ref) ?? (this.images.has(ref) ? { id: `id-${ref}`, tags: [ref], labels: {}, exposedPorts: [], workingDir: undefined } : undefined);
  }

  async listImages(label: { readonly key: string; readonly value: string }): Promise<ImageSummary[]> {
    return [...this.imageDetails.values()].filter((image) => image.labels[label.key] === label.value).map((image) => ({ id: image.id, tags: image.tags }));
  }

  async repairForwarding(): Promise<void> {
    this.calls.push('repairForwarding');
  }

  /** Simulates something outside the editor (`podman stop`, a crash). */
  externalStop(idOrName: string, code = 0): void {
    const c = this.find(idOrName);
    if (c?.running) {
      this.exit(c, code);
    }
  }

  async closeAll(): Promise<void> {
    for (const c of this.containers.values()) {
      await new Promise<void>((resolve) => (c.server ? c.server.close(() => resolve()) : resolve()));
    }
    this.containers.clear();
  }

  private serve(container: FakeContainer): void {
    if (!container.running) {
      return;
    }
    const server = http.createServer((_req, res) => res.end(container.name));
    // As a real app: a port it cannot bind (EADDRINUSE) ends it with an error, not the test process.
    server.once('error', (error) => {
      container.logs.push(`Error: ${error.message}`);
      this.exit(container, 1);
    });
    server.listen(container.hostPort, container.bindAddress === '0.0.0.0' ? '127.0.0.1' : container.bindAddress);
    container.server = server;
    container.logs.push('listening');
  }

  private exit(container: FakeContainer, code: number): void {
    container.running = false;
    container.exitCode = code;
    container.server?.close();
    container.server?.closeAllConnections();
    container.server = undefined;
    for (const waiter of container.waiters.splice(0)) {
      waiter(code);
    }
    this.emit(container, 'die');
  }

  private emit(container: FakeContainer, action: EngineEvent['action']): void {
    const event: EngineEvent = { id: container.id, name: container.name, action, rawAction: action, labels: container.labels, time: Date.now(), exitCode: container.exitCode };
    for (const listener of this.eventListeners) {
      listener(event);
    }
  }

  private find(idOrName: string): FakeContainer | undefined {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.name === idOrName);
  }

  private summary(c: FakeContainer): ContainerSummary {
    return {
      id: c.id,
      name: c.name,
      image: c.image,
      state: c.running ? 'running' : 'exited',
      running: c.running,
      labels: c.labels,
      ports: [{ hostIp: c.bindAddress, hostPort: c.hostPort, containerPort: 3000, protocol: 'tcp' }],
      exitCode: c.exitCode,
      // As podman prints it (docker `ps` has no start time).
      startedAt: c.startedAt,
    };
  }

  private assertAvailable(what: string): void {
    this.calls.push(what);
    if (!this.available) {
      throw new EngineNotRespondingError('podman', `Cannot connect to Podman (${what})`);
    }
  }
}
