import * as assert from 'node:assert/strict';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { AppListenError, CancelledError } from '../../src/core/errors';
import { ENGINE_VARIANTS, fetchText, makeController, realEngine, TestWorkspace } from './helpers';

/** A server that ignores PORT/HOST and listens where `listen` says, logging the moment it does. */
function serverAt(listen: string): string {
  return `const http = require('http');
const server = http.createServer((req, res) => res.end(require('./package.json').name));
server.listen(${listen}, () => console.log('listening at ' + (performance.timeOrigin + performance.now()).toFixed(3)));
process.on('SIGTERM', () => process.exit(0));
`;
}

function listenedAt(logs: readonly string[]): number {
  const stamp = logs.map((l) => /listening at ([\d.]+)/.exec(l)?.[1]).find((s) => s !== undefined);
  assert.ok(stamp, `the app logged when it listened: ${logs.join('\n')}`);
  return Number(stamp);
}

for (const { kind, portOffset } of ENGINE_VARIANTS) {
  const at = (port: number): number => port + portOffset;

  describe(`knowing where the app really listens (${kind})`, function () {
    this.timeout(120_000);
    let engine: ContainerEngine;
    let workspace: TestWorkspace;

    before(async function () {
      engine = await realEngine(this, kind);
    });
    beforeEach(async () => {
      workspace = await TestWorkspace.create('pc-listen');
    });
    afterEach(async () => {
      await workspace.cleanUp(engine);
    });

    it('an app on another port: said within 2 s of it listening, with that port; "use that port" makes it answer', async () => {
      const app = await workspace.addApp('elsewhere', { serverCode: serverAt("4321, '0.0.0.0'") });
      const { controller } = makeController(engine, { start: at(32740), end: at(32744) });
      let told: { at: number; message: string; port: number | undefined } | undefined;
      let logs: string[] = [];
      const run = controller.run(
        { ref: app },
        {
          onDiagnosis: (message, port) => {
            told = { at: performance.timeOrigin + performance.now(), message, port };
            void (async () => {
              logs = await appLogs(engine, workspace);
              // What "Use port 4321" does first: interrupt the start still waiting.
              await controller.stop(app);
            })();
          },
        },
      );
      await assert.rejects(run, CancelledError);
      assert.ok(told, 'the diagnosis came before the startup timeout');
      assert.equal(told.port, 4321);
      assert.match(told.message, /elsewhere listens on 0\.0\.0\.0:4321 inside its container, not on container port 3000/);
      const lag = told.at - listenedAt(logs);
      console.log(`      diagnosis ${Math.round(lag)} ms after the app listened on another port`);
      assert.ok(lag < 2000, `the diagnosis came ${Math.round(lag)} ms after the app listened`);
      const result = await controller.run({ ref: app, override: { path: app.folder, containerPort: 4321 } });
      assert.equal(await fetchText(result.url.replace('localhost', '127.0.0.1')), 'elsewhere');
    });

    it('an app on 127.0.0.1 only: the start fails within 2 s of it listening, naming the address and the fix; nothing left', async () => {
      const app = await workspace.addApp('loopback', { serverCode: serverAt("Number(process.env.PORT), '127.0.0.1'") });
      const { controller, allocator } = makeController(engine, { start: at(32745), end: at(32749) });
      const error = await controller.run({ ref: app }).then(
        () => assert.fail('a loopback-only app cannot answer'),
        (e: unknown) => e,
      );
      const failedAt = performance.timeOrigin + performance.now();
      assert.ok(error instanceof AppListenError, String(error));
      assert.match(error.message, /^loopback did not start: loopback listens on 127\.0\.0\.1:3000 inside its container, loopback only, .*0\.0\.0\.0/);
      assert.equal(error.listenedPort, undefined, 'no other port would help');
      const lag = failedAt - listenedAt(error.logLines);
      console.log(`      failed ${Math.round(lag)} ms after the app listened on loopback only`);
      assert.ok(lag < 2000, `it failed ${Math.round(lag)} ms after the app listened`);
      assert.equal(await allocator.leaseOf(app.key), undefined, 'no lease left');
    });
  });
}

/** What the workspace's containers printed (the first app's container, while it exists). */
async function appLogs(engine: ContainerEngine, workspace: TestWorkspace): Promise<string[]> {
  const ours = (await engine.list({ all: true, ours: true })).filter((c) => (c.labels['previewContainers.path'] ?? '').startsWith(workspace.root));
  const logs: string[] = [];
  for (const c of ours) {
    logs.push(...(await engine.logs(c.id, 50)));
  }
  return logs;
}
