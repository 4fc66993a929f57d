import * as assert from 'node:assert/strict';
import { execa } from 'execa';
import { containerNameFor, dependencyVolumeFor } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { fetchText, makeController, realEngine, TestWorkspace, writeViteApp } from './helpers';

async function volumeExists(name: string): Promise<boolean> {
  return (await execa('podman', ['volume', 'exists', name], { reject: false })).exitCode === 0;
}

describe('zero-config: a real Vite app on a real engine', function () {
  this.timeout(600_000);
  let engine: ContainerEngine;
  let workspace: TestWorkspace;

  before(async function () {
    engine = await realEngine(this);
    workspace = await TestWorkspace.create('pc-vite');
  });

  after(async () => {
    for (const app of workspace?.apps ?? []) {
      await engine.removeVolume(dependencyVolumeFor(app));
    }
    await workspace?.cleanUp(engine);
  });

  it('infers `vite --host 0.0.0.0 --port 5173`, installs vite into a cache volume, serves /src/main.ts; a second start does not reinstall', async () => {
    const ref = await workspace.addApp('vite-app');
    await writeViteApp(ref.folder, 'vite-app');
    const { controller, logger } = makeController(engine, { start: 32740, end: 32749, settings: { startupTimeoutSeconds: 400 } });
    const first = await controller.run({ ref });
    assert.ok(logger.lines.some((l) => /Starting vite-app: vite \(npm\)/.test(l.message)), logger.lines.map((l) => l.message).join('\n'));
    assert.match(await fetchText(first.url), /<h1>vite-app<\/h1>/);
    const module = await fetchText(`${first.url}src/main.ts`);
    assert.match(module, /rendered by vite: vite-app/);
    assert.doesNotMatch(module, /: HTMLElement/, 'Vite compiled the TypeScript');
    assert.ok(await volumeExists(dependencyVolumeFor(ref)), 'the dependency cache volume exists');
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
    assert.equal(await volumeExists(dependencyVolumeFor(ref)), false, 'release drops the cache');
  });
});
