import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeAppRef } from '../../src/core/appIdentity';
import { appVolumesFor } from '../../src/core/buildCache';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { fetchText, makeController, realEngine, TestWorkspace } from './helpers';

/**
 * fastify-cli's `fastify start` listens on localhost unless it believes it runs in Docker (it looks
 * for /.dockerenv, which podman does not create): the plan tells it the address
 * (FASTIFY_ADDRESS). A real fastify-cli app, as its generator writes the scripts, on podman.
 * Host ports 37910–37914.
 */
describe('fastify-cli app on podman (its own address default)', function () {
  this.timeout(600_000);
  let engine: ContainerEngine;
  let workspace: TestWorkspace;

  before(async function () {
    engine = await realEngine(this, 'podman');
    workspace = await TestWorkspace.create('pc-fastify');
  });

  after(async () => {
    const app = workspace?.apps[0];
    if (app) {
      await engine?.removeVolumes(appVolumesFor(app));
    }
    await workspace?.cleanUp(engine);
  });

  it('`fastify start app.js` answers on the published port (listening on 0.0.0.0:$PORT, not localhost)', async () => {
    const folder = path.join(workspace.root, 'api');
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(
      path.join(folder, 'package.json'),
      JSON.stringify({ name: 'api', version: '1.0.0', scripts: { start: 'fastify start -l info app.js' }, dependencies: { fastify: '^5.0.0', 'fastify-cli': '^7.0.0' } }),
    );
    await fs.writeFile(path.join(folder, 'app.js'), "module.exports = async function (fastify, opts) {\n  fastify.get('/', async () => 'hello from fastify')\n}\n");
    const ref = makeAppRef(folder, workspace.root, 'api');
    workspace.apps.push(ref);
    const { controller } = makeController(engine, { start: 37910, end: 37914, settings: { startupTimeoutSeconds: 300 } });
    const result = await controller.run({ ref });
    assert.equal(await fetchText(result.url), 'hello from fastify');
    const logs = (await engine.logs(result.containerId, 50)).join('\n');
    // Bound to 0.0.0.0, fastify lists every interface's address; bound to localhost, only loopback.
    assert.match(logs, /Server listening at http:\/\/(?!127\.|\[::1\]|localhost)[^ "]+:3000/, logs);
    await controller.release(ref);
  });
});
