import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineNotFoundError, EngineNotRespondingError } from '../../src/core/errors';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { detectEngine } from '../../src/core/engine/detectEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import type { EngineEvent } from '../../src/core/engine/types';
import { containerNameFor } from '../../src/core/appIdentity';
import { requireTestDockerd } from '../harness/dockerd';
import { RecordingLogger } from '../unit/helpers';
import { engineCli, ENGINE_VARIANTS, makeController, realEngine, TEST_IMAGE, TestWorkspace } from './helpers';

/** Debian's docker.io client (20.10, like its daemon); `docker` on PATH may be a newer one. */
const DEBIAN_DOCKER_CLIENT = '/usr/bin/docker';

/** The first executable `name` on PATH. */
function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error(`${name} is not on PATH`);
}

describe('engine detection on this machine', function () {
  this.timeout(60_000);
  const detect = (choice: 'auto' | 'podman' | 'docker', enginePath?: string, logger = new RecordingLogger()) =>
    detectEngine({ choice, enginePath, exec: execaExec, stream: execaStream, logger });

  /** Runs `body` with an environment variable changed, restoring it afterwards. */
  async function withEnv<T>(name: string, value: string, body: () => Promise<T>): Promise<T> {
    const before = process.env[name];
    process.env[name] = value;
    try {
      return await body();
    } finally {
      if (before === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = before;
      }
    }
  }

  it('auto picks the first engine that answers (podman here) and says which', async function () {
    await realEngine(this, 'podman');
    const found = await detect('auto');
    assert.equal(found.kind, 'podman');
    assert.equal(found.binary, 'podman');
    assert.match((await found.info()).version, /^\d+\.\d+/);
  });

  it('auto with podman and docker both answering: podman, and the log says so; without podman on PATH: docker, and the log says so', async function () {
    await realEngine(this, 'podman');
    await realEngine(this, 'docker');
    const logger = new RecordingLogger();
    assert.equal((await detect('auto', undefined, logger)).kind, 'podman');
    assert.ok(logger.lines.some((l) => l.level === 'info' && /^Using podman \d+\.\d+\.\d+ \(podman\)\.$/.test(l.message)), JSON.stringify(logger.lines));
    // A PATH with docker but no podman: what a machine with only Docker looks like.
    const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-only-docker-'));
    try {
      await fs.symlink(onPath('docker'), path.join(bin, 'docker'));
      const fallback = new RecordingLogger();
      const found = await withEnv('PATH', bin, () => detect('auto', undefined, fallback));
      assert.equal(found.kind, 'docker');
      assert.ok(fallback.lines.some((l) => l.level === 'info' && /^Using docker 20\.10\.\d+\S* \(docker\)\.$/.test(l.message)), JSON.stringify(fallback.lines));
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  it('a custom path that does not exist → "no container engine found" naming it and the setting', async () => {
    await assert.rejects(detect('auto', '/opt/nowhere/podman'), (error: unknown) => {
      assert.ok(error instanceof EngineNotFoundError);
      assert.match(error.message, /\/opt\/nowhere\/podman/);
      assert.match(error.message, /apt-get install -y podman/);
      assert.match(error.message, /previewContainers\.enginePath/);
      return true;
    });
  });

  it('an installed docker whose daemon does not answer (a dead socket) → clear "not answering" error, with either client', async function () {
    requireTestDockerd(this);
    const dead = `unix://${path.join(os.tmpdir(), `pc-no-dockerd-${process.pid}.sock`)}`;
    const clients = [undefined, ...(existsSync(DEBIAN_DOCKER_CLIENT) ? [DEBIAN_DOCKER_CLIENT] : [])];
    for (const client of clients) {
      await withEnv('DOCKER_HOST', dead, () =>
        assert.rejects(detect('docker', client), (error: unknown) => {
          assert.ok(error instanceof EngineNotRespondingError, `${client ?? 'docker'}: ${String(error)}`);
          assert.match(error.message, /docker is installed but its engine is not answering/);
          assert.match(error.message, /Cannot connect to the Docker daemon/);
          assert.match(error.message, /Start the Docker engine/);
          return true;
        }),
      );
    }
  });

  it("Debian's docker 20.10 client against the test dockerd: version, our containers listed, inspected and evented", async function () {
    requireTestDockerd(this);
    if (!existsSync(DEBIAN_DOCKER_CLIENT)) {
      assert.fail(`${DEBIAN_DOCKER_CLIENT} is missing: npm run setup installs docker.io`);
    }
    const engine = await detect('docker', DEBIAN_DOCKER_CLIENT);
    assert.match((await engine.info()).version, /^20\.10\./);
    const workspace = await TestWorkspace.create('pc-debian-client');
    const events: EngineEvent[] = [];
    const stream = new AbortController();
    const streaming = engine.events((event) => events.push(event), stream.signal);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500)); // the stream attaches
      const { controller } = makeController(engine, { start: 37200, end: 37209 });
      const app = await workspace.addApp('debian-client');
      const result = await controller.run({ ref: app });
      const listed = (await engine.list({ all: true, ours: true })).find((c) => c.id === result.containerId);
      assert.deepEqual(listed?.ports.map((p) => `${p.hostIp}:${p.hostPort}`), [`127.0.0.1:${result.port}`]);
      assert.equal((await engine.inspect(containerNameFor(app)))?.running, true);
      await controller.stop(app);
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.action === 'die' && e.id === result.containerId) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(events.filter((e) => e.id === result.containerId).map((e) => e.action).slice(0, 2), ['create', 'start']);
      assert.ok(events.some((e) => e.id === result.containerId && e.action === 'die'));
    } finally {
      stream.abort();
      await streaming;
      await workspace.cleanUp(engine);
    }
  });
});

for (const { kind, portOffset } of ENGINE_VARIANTS) {
  const at = (port: number): number => port + portOffset;

  describe(`CliEngine on a real engine (${kind})`, function () {
    this.timeout(60_000);
    let engine: ContainerEngine;
    let workspace: TestWorkspace;

    before(async function () {
      engine = await realEngine(this, kind);
    });
    beforeEach(async () => {
      workspace = await TestWorkspace.create('pc-cli');
    });
    afterEach(async () => {
      await workspace.cleanUp(engine);
    });

    it('lists, inspects, streams logs line by line and stops our containers', async () => {
      const { controller } = makeController(engine, { start: at(32700), end: at(32710) });
      const app = await workspace.addApp('logger', {
        serverCode: `require('http').createServer((q, r) => { console.log('request ' + q.url); r.end('ok'); }).listen(Number(process.env.PORT), '0.0.0.0', () => console.log('ready'));\nprocess.on('SIGTERM', () => process.exit(0));\n`,
      });
      const result = await controller.run({ ref: app });
      const listed = await engine.list({ all: true, ours: true });
      const mine = listed.find((c) => c.id === result.containerId);
      assert.ok(mine, 'our container is listed by label');
      assert.equal(mine.running, true);
      assert.deepEqual(mine.ports.map((p) => [p.hostIp, p.hostPort, p.containerPort]), [['127.0.0.1', result.port, 3000]]);
      const details = await engine.inspect(containerNameFor(app));
      assert.equal(details?.id, result.containerId);
      assert.ok(details?.startedAt && details.startedAt <= Date.now());

      const lines: string[] = [];
      const follow = new AbortController();
      const following = engine.followLogs(result.containerId, (line) => lines.push(line), follow.signal, 10);
      await fetch(`${result.url}first`).then((r) => r.text());
      await fetch(`${result.url}second`).then((r) => r.text());
      const deadline = Date.now() + 10_000;
      while (!lines.includes('request /second') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      follow.abort();
      await following;
      assert.ok(lines.includes('ready'), lines.join('|'));
      assert.ok(lines.indexOf('request /first') < lines.indexOf('request /second'), lines.join('|'));
      assert.deepEqual(await engine.logs(result.containerId, 1), [lines[lines.length - 1]]);

      // `wait` answers with the exit code once the container stops (--init forwards SIGTERM: fast).
      const waited = engine.wait(result.containerId, new AbortController().signal);
      const stopping = Date.now();
      await engine.stop(result.containerId, 5);
      assert.equal(await waited, 0);
      assert.ok(Date.now() - stopping < 4000, `stop took ${Date.now() - stopping} ms`);
    });

    it('streams our containers’ events (start, die, remove) and not foreign ones', async () => {
      const events: EngineEvent[] = [];
      const stream = new AbortController();
      const streaming = engine.events((event) => events.push(event), stream.signal);
      await new Promise((resolve) => setTimeout(resolve, 500)); // let the stream attach
      const { controller } = makeController(engine, { start: at(32720), end: at(32730) });
      const app = await workspace.addApp('evented');
      const result = await controller.run({ ref: app });
      const foreign = await engineCli(engine, ['run', '--rm', '--init', TEST_IMAGE, 'true']);
      assert.equal(foreign.exitCode, 0);
      await controller.stop(app);
      await controller.release(app);
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.action === 'remove' && e.id === result.containerId) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      stream.abort();
      assert.match((await streaming).reason, /cancelled/);
      const mine = events.filter((e) => e.id === result.containerId).map((e) => e.action);
      assert.ok(mine.includes('start'), mine.join(','));
      assert.ok(mine.includes('die'), mine.join(','));
      assert.ok(mine.includes('remove'), mine.join(','));
      assert.ok(events.every((e) => e.id === result.containerId || e.labels['previewContainers.path']), 'only our containers');
      assert.ok(events.every((e) => Number.isFinite(e.time) && Math.abs(e.time - Date.now()) < 120_000), 'event times parsed');
    });

    it('removing what is already gone is quiet: rm of a removed container, volume rm of a missing volume beside an existing one (which goes)', async () => {
      await engine.remove(`preview-gone-${process.pid}`);
      const existing = `preview-deps-present-${process.pid}`;
      await engineCli(engine, ['volume', 'create', existing]);
      await engine.removeVolumes([`preview-deps-gone-${process.pid}`, existing]);
      assert.equal(await engine.inspect(`preview-gone-${process.pid}`), undefined);
      const { stdout } = await engineCli(engine, ['volume', 'ls', '--quiet']);
      assert.ok(!stdout.split('\n').includes(existing), `${existing} was removed`);
    });
  });
}
