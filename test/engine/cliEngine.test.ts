import * as assert from 'node:assert/strict';
import { execa } from 'execa';
import { EngineNotFoundError, EngineNotRespondingError } from '../../src/core/errors';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { detectEngine } from '../../src/core/engine/detectEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import type { EngineEvent } from '../../src/core/engine/types';
import { containerNameFor } from '../../src/core/appIdentity';
import { RecordingLogger } from '../unit/helpers';
import { makeController, realEngine, TestWorkspace } from './helpers';

describe('CliEngine on a real engine', function () {
  this.timeout(60_000);
  let engine: ContainerEngine;
  let workspace: TestWorkspace;

  before(async function () {
    engine = await realEngine(this);
  });
  beforeEach(async () => {
    workspace = await TestWorkspace.create('pc-cli');
  });
  afterEach(async () => {
    await workspace.cleanUp(engine);
  });

  describe('detection', () => {
    const detect = (choice: 'auto' | 'podman' | 'docker', enginePath?: string) =>
      detectEngine({ choice, enginePath, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });

    it('auto picks the first engine that answers (podman here) and says which', async () => {
      const found = await detect('auto');
      assert.equal(found.kind, 'podman');
      assert.equal(found.binary, 'podman');
      assert.match((await found.info()).version, /^\d+\.\d+/);
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

    it('an installed engine that does not answer (docker client without daemon) → clear "not answering" error', async function () {
      const hasDocker = await execa('docker', ['--version'], { reject: false });
      if (hasDocker.exitCode !== 0) {
        this.skip(); // no docker client on this machine: nothing to observe
      }
      const daemon = await execa('docker', ['info'], { reject: false });
      if (daemon.exitCode === 0) {
        this.skip(); // a Docker engine answers here; the failure cannot be observed
      }
      await assert.rejects(detect('docker'), (error: unknown) => {
        assert.ok(error instanceof EngineNotRespondingError, String(error));
        assert.match(error.message, /docker is installed but its engine is not answering/);
        assert.match(error.message, /Cannot connect to the Docker daemon/);
        assert.match(error.message, /Start the Docker engine/);
        return true;
      });
    });
  });

  it('lists, inspects, streams logs line by line and stops our containers', async () => {
    const { controller } = makeController(engine, { start: 32700, end: 32710 });
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
  });

  it('streams our containers’ events (start, die, remove) and not foreign ones', async () => {
    const events: EngineEvent[] = [];
    const stream = new AbortController();
    const streaming = engine.events((event) => events.push(event), stream.signal);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the stream attach
    const { controller } = makeController(engine, { start: 32720, end: 32730 });
    const app = await workspace.addApp('evented');
    const result = await controller.run({ ref: app });
    const foreign = await execa('podman', ['run', '--rm', '--init', 'localhost/preview-node:test', 'true']);
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
});
