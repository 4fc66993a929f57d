import * as assert from 'node:assert/strict';
import { containerNameFor, dependencyVolumeFor } from '../../src/core/appIdentity';
import { appVolumesFor } from '../../src/core/buildCache';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import type { EngineCli } from '../harness/containers';
import { requireTestDockerd } from '../harness/dockerd';
import { engineCli, ENGINE_VARIANTS, fetchText, makeController, realEngine, TestWorkspace, writeViteApp } from './helpers';

async function volumeExists(engine: EngineCli, name: string): Promise<boolean> {
  return engineCli(engine, ['volume', 'inspect', name]).then(
    () => true,
    () => false,
  );
}

for (const { kind, portOffset } of ENGINE_VARIANTS) {
  const at = (port: number): number => port + portOffset;

  describe(`zero-config: a real Vite app on a real engine (${kind})`, function () {
    this.timeout(600_000);
    let engine: ContainerEngine;
    let workspace: TestWorkspace;

    before(async function () {
      if (kind === 'docker') {
        requireTestDockerd(this, { network: true }); // npm install runs inside the container
      }
      engine = await realEngine(this, kind);
      workspace = await TestWorkspace.create('pc-vite');
    });

    after(async () => {
      for (const app of workspace?.apps ?? []) {
        await engine.removeVolumes(appVolumesFor(app));
      }
      await workspace?.cleanUp(engine);
    });

    it('infers `vite --host 0.0.0.0 --port 5173`, installs vite into a cache volume, serves /src/main.ts; a second start does not reinstall', async () => {
      const ref = await workspace.addApp('vite-app');
      await writeViteApp(ref.folder, 'vite-app');
      const { controller, logger } = makeController(engine, { start: at(32740), end: at(32749), settings: { startupTimeoutSeconds: 400 } });
      const first = await controller.run({ ref });
      assert.ok(logger.lines.some((l) => /Starting vite-app: vite \(npm\)/.test(l.message)), logger.lines.map((l) => l.message).join('\n'));
      assert.match(await fetchText(first.url), /<h1>vite-app<\/h1>/);
      const module = await fetchText(`${first.url}src/main.ts`);
      assert.match(module, /rendered by vite: vite-app/);
      assert.doesNotMatch(module, /: HTMLElement/, 'Vite compiled the TypeScript');
      assert.ok(await volumeExists(engine, dependencyVolumeFor(ref)), 'the dependency cache volume exists');
      const firstLogs = (await engine.logs(containerNameFor(ref), 200)).join('\n');
      assert.match(firstLogs, /added \d+ packages/);

      await controller.stop(ref);
      const started = Date.now();
      const second = await controller.run({ ref });
      const secondMs = Date.now() - started;
      assert.equal(second.port, first.port);
      const secondLogs = (await engine.logs(containerNameFor(ref), 200)).join('\n');
      assert.doesNotMatch(secondLogs, /added \d+ packages/, 'no reinstall on the second start');
      assert.match(await fetchText(`${second.url}src/main.ts`), /rendered by vite/);
      console.log(`      second start (cached dependencies): ${secondMs} ms`);

      await controller.release(ref);
      assert.equal(await volumeExists(engine, dependencyVolumeFor(ref)), false, 'release drops the cache');
    });
  });
}
