import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { execa } from 'execa';
import { AppStartError, ContainerRuntimeError, ImageMissingError } from '../../src/core/errors';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { LABEL_APP, LABEL_PATH, LABEL_PORT } from '../../src/core/engine/labels';
import { containerNameFor } from '../../src/core/appIdentity';
import { ENGINE_VARIANTS, fetchText, makeController, realEngine, runForeignContainer, TestWorkspace } from './helpers';

function listen(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end('foreign\n'));
    server.once('error', reject);
    server.listen({ port, host }, () => resolve(server));
  });
}

for (const { kind, portOffset } of ENGINE_VARIANTS) {
  const at = (port: number): number => port + portOffset;

  describe(`AppController on a real engine (${kind})`, function () {
    this.timeout(120_000);
    let engine: ContainerEngine;
    let workspace: TestWorkspace;
    const foreignContainers: string[] = [];

    before(async function () {
      engine = await realEngine(this, kind);
    });

    beforeEach(async () => {
      workspace = await TestWorkspace.create();
    });

    afterEach(async () => {
      for (const id of foreignContainers.splice(0)) {
        await engine.remove(id);
      }
      await workspace.cleanUp(engine);
    });

    it('starts two apps in parallel on distinct ports, each answering with its own content, published on 127.0.0.1 only', async () => {
      const { controller } = makeController(engine, { start: at(32300), end: at(32320) });
      const web = await workspace.addApp('web');
      const api = await workspace.addApp('api');
      const [a, b] = await Promise.all([controller.run({ ref: web }), controller.run({ ref: api })]);
      assert.notEqual(a.port, b.port);
      assert.equal(await fetchText(`${a.url}name`), 'web');
      assert.equal(await fetchText(`${b.url}name`), 'api');
      const ours = (await engine.list({ all: false, ours: true })).filter((c) => c.labels[LABEL_PATH]?.startsWith(workspace.root));
      assert.equal(ours.length, 2);
      for (const container of ours) {
        assert.ok(container.ports.length > 0);
        for (const binding of container.ports) {
          assert.equal(binding.hostIp, '127.0.0.1', `${container.name} publishes on ${binding.hostIp}`);
        }
      }
      // The OS socket table agrees: nothing of ours on a non-loopback address.
      const { stdout } = await execa('ss', ['-Hltn']);
      for (const port of [a.port, b.port]) {
        const lines = stdout.split('\n').filter((line) => line.includes(`:${port} `));
        assert.ok(lines.length > 0, `port ${port} is listening`);
        assert.ok(lines.every((line) => line.includes(`127.0.0.1:${port}`)), lines.join('\n'));
      }
    });

    it(`runs the seed scenario end to end: three apps → ${at(32100)}, ${at(32101)}, ${at(32102)}, all answering at once`, async () => {
      const { controller } = makeController(engine, { start: at(32100), end: at(32200) });
      const apps = [await workspace.addApp('56'), await workspace.addApp('57'), await workspace.addApp('58')];
      const results = [];
      for (const app of apps) {
        results.push(await controller.run({ ref: app }));
      }
      assert.deepEqual(
        results.map((r) => r.port),
        [at(32100), at(32101), at(32102)],
      );
      const bodies = await Promise.all(results.map((r) => fetchText(`${r.url}name`)));
      assert.deepEqual(bodies, ['56', '57', '58']);
    });

    it('skips a port held by a foreign process: the first app gets the next one', async () => {
      const foreign = await listen(at(32400), '127.0.0.1');
      try {
        const { controller } = makeController(engine, { start: at(32400), end: at(32410) });
        const result = await controller.run({ ref: await workspace.addApp('first') });
        assert.equal(result.port, at(32401));
        assert.equal(await fetchText(`${result.url}name`), 'first');
      } finally {
        await new Promise((resolve) => foreign.close(resolve));
      }
    });

    it('avoids a pool port already published by a container that is not ours (seen in the engine)', async () => {
      const other = await workspace.addApp('other');
      foreignContainers.push(await runForeignContainer(engine, at(32420), other.folder));
      await waitFor(() => fetchText(`http://127.0.0.1:${at(32420)}/name`));
      const { controller } = makeController(engine, { start: at(32420), end: at(32430) });
      const result = await controller.run({ ref: await workspace.addApp('mine') });
      assert.equal(result.port, at(32421));
      assert.equal(await fetchText(`http://127.0.0.1:${at(32420)}/name`), 'other', 'the other container still answers');
    });

    it('recovers from an engine-side conflict the allocator could not see: retries on another port and repairs the holder', async () => {
      const other = await workspace.addApp('holder');
      foreignContainers.push(await runForeignContainer(engine, at(32440), other.folder));
      await waitFor(() => fetchText(`http://127.0.0.1:${at(32440)}/name`));
      // Simulate the race: the holder appears after our container list (the list does not show it)
      // and the bind probe cannot see it either (as with docker without its userland proxy).
      let lists = 0;
      const racingEngine: ContainerEngine = Object.assign(Object.create(engine) as ContainerEngine, {
        list: async (options: { all: boolean; ours: boolean }) => {
          const all = await engine.list(options);
          return lists++ === 0 ? all.filter((c) => !c.ports.some((p) => p.hostPort === at(32440))) : all;
        },
      });
      const { controller, allocator, logger } = makeController(racingEngine, {
        start: at(32440),
        end: at(32450),
        engineUsage: null,
        probe: { isFree: () => Promise.resolve(true) },
      });
      const mine = await workspace.addApp('racer');
      const result = await controller.run({ ref: mine });
      assert.equal(result.port, at(32441), 'landed on the next port');
      assert.equal(await allocator.leaseOf(mine.key), at(32441), 'the lease follows the port actually used');
      assert.equal(await fetchText(`${result.url}name`), 'racer');
      assert.equal(await fetchText(`http://127.0.0.1:${at(32440)}/name`), 'holder', kind === 'podman' ? 'the holder answers again after the repair' : 'the holder still answers');
      assert.ok(logger.lines.some((l) => l.message.includes(`refused port ${at(32440)}`)));
    });

    it('keeps the port across stop → run and across restart', async () => {
      const { controller, allocator } = makeController(engine, { start: at(32460), end: at(32470) });
      const app = await workspace.addApp('sticky');
      const first = await controller.run({ ref: app });
      await controller.stop(app);
      assert.equal(controller.stateOf(app).status, 'stopped');
      assert.equal(controller.stateOf(app).port, first.port);
      assert.equal(await allocator.leaseOf(app.key), first.port, 'lease kept while stopped');
      const stopped = await engine.inspect(containerNameFor(app));
      assert.equal(stopped?.running, false);
      const second = await controller.run({ ref: app });
      assert.equal(second.port, first.port);
      assert.equal(second.alreadyRunning, false);
      assert.notEqual(second.containerId, first.containerId, 'a new container (settings changes apply)');
      assert.equal(await engine.inspect(first.containerId), undefined, 'the stopped one was removed');
      const third = await controller.restart({ ref: app });
      assert.equal(third.port, first.port);
      assert.equal(await fetchText(`${third.url}name`), 'sticky');
    });

    it('is idempotent: running a running app returns it without starting anything', async () => {
      const { controller } = makeController(engine, { start: at(32480), end: at(32490) });
      const app = await workspace.addApp('twice');
      const first = await controller.run({ ref: app });
      const again = await controller.run({ ref: app });
      assert.equal(again.alreadyRunning, true);
      assert.equal(again.containerId, first.containerId);
      assert.equal(again.port, first.port);
    });

    it('reports a failing app with its log lines, releases the new lease and removes the container', async () => {
      const { controller, allocator } = makeController(engine, { start: at(32500), end: at(32510) });
      const app = await workspace.addApp('crashy', { serverCode: "console.log('booting crashy');\nconsole.error('fatal: missing config');\nprocess.exit(3);\n" });
      await assert.rejects(controller.run({ ref: app }), (error: unknown) => {
        assert.ok(error instanceof AppStartError, String(error));
        assert.match(error.message, /exited with code 3/);
        assert.ok(error.logLines.some((l) => l.includes('fatal: missing config')), error.logLines.join('\n'));
        return true;
      });
      assert.equal(await allocator.leaseOf(app.key), undefined, 'lease released');
      assert.equal(await engine.inspect(containerNameFor(app)), undefined, 'container removed');
      assert.equal(controller.stateOf(app).status, 'failed');
    });

    it('refuses a missing image under pull policy "never", leaving nothing behind', async () => {
      const { controller, allocator } = makeController(engine, { start: at(32520), end: at(32530), settings: { image: 'localhost/does-not-exist:1' } });
      const app = await workspace.addApp('noimage');
      await assert.rejects(controller.run({ ref: app }), (error: unknown) => error instanceof ImageMissingError && /pullPolicy is "never"/.test(error.message));
      assert.equal(await allocator.leaseOf(app.key), undefined);
      assert.equal(await engine.inspect(containerNameFor(app)), undefined);
    });

    it('reports a command that cannot be executed clearly (naming it, with the log), leaving nothing behind', async () => {
      const { controller, allocator } = makeController(engine, { start: at(32540), end: at(32550) });
      const app = await workspace.addApp('nocmd');
      await assert.rejects(controller.run({ ref: app, override: { path: app.folder, command: ['/no/such/binary'] } }), (error: unknown) => {
        // With --init the init process reports the failed exec (not the OCI runtime), so the app "exits".
        assert.ok(error instanceof AppStartError || error instanceof ContainerRuntimeError, String(error));
        assert.match(error.message, /\/no\/such\/binary/);
        assert.match(error.message, /No such file or directory|not found/i);
        return true;
      });
      assert.equal(await allocator.leaseOf(app.key), undefined);
      assert.equal(await engine.inspect(containerNameFor(app)), undefined);
    });

    it('runs apps whose folder names have spaces, unicode and shell metacharacters, without argument injection', async () => {
      const { controller } = makeController(engine, { start: at(32560), end: at(32580) });
      const names = ['my app', 'ünïcødé 日本', '$(touch pwned)', '-rf --privileged', "quote's \"dq\"", 'semi;colon&amp|pipe'];
      for (const folderName of names) {
        const app = await workspace.addApp(folderName, { name: 'meta' });
        const result = await controller.run({ ref: app });
        assert.equal(await fetchText(`${result.url}name`), 'meta', folderName);
        const details = await engine.inspect(containerNameFor(app));
        assert.equal(details?.labels[LABEL_PATH], app.folder);
        assert.equal(details?.labels[LABEL_APP], app.appId);
        assert.equal(details?.labels[LABEL_PORT], String(result.port));
        assert.equal(details?.privileged, false);
        assert.deepEqual(details?.mountSources, [app.folder], 'only the app folder is mounted');
      }
      await assert.rejects(import('node:fs').then((fs) => fs.promises.access('pwned')));
    });
  });
}

async function waitFor<T>(attempt: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() - started > timeoutMs) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
