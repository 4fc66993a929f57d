import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AppRef } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { SettingsError } from '../../src/core/errors';
import { defaultLimits, hostCapacity, memoryBytes } from '../../src/core/resources';
import { engineCli, ENGINE_VARIANTS, fetchText, makeController, realEngine, TestWorkspace } from './helpers';

/**
 * `apps[].envFile` and the resource limits, on the real engines: what `inspect` reports, and that
 * the limits are enforced (this machine: cgroup v1, runc for podman, cgroupfs for the tests' dockerd).
 * Host ports 37800–37809 (podman) and 37850–37859 (docker).
 */
const SERVER = `const http = require('http');
const fs = require('fs');
const read = (file) => { try { return fs.readFileSync(file, 'utf8').trim(); } catch { return ''; } };
http.createServer((req, res) => {
  if (req.url === '/env') {
    res.end(JSON.stringify({ GREETING: process.env.GREETING, A: process.env.A, PORT: process.env.PORT, FORCE_COLOR: process.env.FORCE_COLOR }));
  } else if (req.url === '/cgroup') {
    // cgroup v1 files, or v2's cpu.max / memory.max.
    res.end(JSON.stringify({ quota: read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), period: read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'), cpuMax: read('/sys/fs/cgroup/cpu.max'),
      memory: read('/sys/fs/cgroup/memory/memory.limit_in_bytes') || read('/sys/fs/cgroup/memory.max') }));
  } else if (req.url === '/spin') {
    const cpu = process.cpuUsage(); const wall = Date.now();
    while (Date.now() - wall < 2000) {}
    const used = process.cpuUsage(cpu);
    res.end(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: Date.now() - wall }));
  } else if (req.url === '/hog') {
    const held = [];
    for (let i = 0; i < 400; i++) held.push(Buffer.alloc(1 << 20, 1));
    res.end('held ' + held.length + ' MB');
  } else {
    res.end('ok');
  }
}).listen(Number(process.env.PORT), '0.0.0.0');
`;

interface Inspected {
  readonly nanoCpus: number;
  readonly memory: number;
  readonly env: readonly string[];
}

async function inspectLimits(engine: ContainerEngine, id: string): Promise<Inspected> {
  const { stdout } = await engineCli(engine, ['inspect', '--format', '{{json .HostConfig.NanoCpus}} {{json .HostConfig.Memory}} {{json .Config.Env}}', id]);
  const [nanoCpus, memory, ...env] = stdout.trim().split(' ');
  return { nanoCpus: Number(nanoCpus), memory: Number(memory), env: JSON.parse(env.join(' ')) as string[] };
}

for (const { kind } of ENGINE_VARIANTS) {
  const ports = kind === 'podman' ? { start: 37800, end: 37809 } : { start: 37850, end: 37859 };

  describe(`apps[].envFile and resource limits on a real engine (${kind})`, function () {
    this.timeout(120_000);
    let engine: ContainerEngine;
    let workspace: TestWorkspace;

    before(async function () {
      engine = await realEngine(this, kind);
    });

    beforeEach(async () => {
      workspace = await TestWorkspace.create('pc-env-limits');
    });

    afterEach(async () => {
      await workspace.cleanUp(engine);
    });

    /** A controller whose settings have one apps[] entry for `app`. */
    function controllerFor(app: AppRef, entry: Record<string, unknown>, settings: Record<string, unknown> = {}) {
      const fixture = makeController(engine, { ...ports, settings: { ...settings, apps: [{ path: app.folder, ...entry }] } });
      return { ...fixture, def: { ref: app, override: fixture.settings.apps[0] } };
    }

    it('passes the env file with --env-file: its values reach the app; the entry’s env and PORT win over it; inspect shows them', async () => {
      const app = await workspace.addApp('web', { serverCode: SERVER });
      await fs.writeFile(path.join(app.folder, '.env'), '# from the file\nGREETING=hello from .env\nA=file\nPORT=1\n');
      const { controller, def } = controllerFor(app, { envFile: '.env', env: { A: 'entry' } });
      const result = await controller.run(def);
      const env = JSON.parse(await fetchText(`${result.url}env`)) as Record<string, string>;
      assert.deepEqual(env, { GREETING: 'hello from .env', A: 'entry', PORT: '3000', FORCE_COLOR: '1' });
      const inspected = await inspectLimits(engine, result.containerId);
      assert.ok(inspected.env.includes('GREETING=hello from .env'), inspected.env.join(' '));
    });

    it('a missing env file is a clear error naming the entry, and nothing is left behind', async () => {
      const app = await workspace.addApp('web', { serverCode: SERVER });
      const { controller, allocator, def } = controllerFor(app, { envFile: '.env.local' });
      await assert.rejects(controller.run(def), (error: unknown) => {
        assert.ok(error instanceof SettingsError, String(error));
        assert.equal(error.setting, 'previewContainers.apps[0].envFile');
        assert.match(error.message, /"\.env\.local" \(of web, relative to its folder\): .*\/web\/\.env\.local does not exist/);
        return true;
      });
      assert.equal(controller.stateOf(app).status, 'failed');
      assert.equal((await engine.list({ all: true, ours: true })).filter((c) => c.name === controller.stateOf(app).containerName).length, 0);
      assert.equal(await allocator.leaseOf(app.key), undefined);
    });

    it('the defaults limit every app (all CPUs but one, half the memory): inspect shows them', async () => {
      const app = await workspace.addApp('web', { serverCode: SERVER });
      const { controller, def } = controllerFor(app, {});
      const result = await controller.run(def);
      const expected = defaultLimits(hostCapacity());
      const inspected = await inspectLimits(engine, result.containerId);
      assert.equal(inspected.nanoCpus, expected.cpus * 1e9);
      assert.equal(inspected.memory, memoryBytes(expected.memory));
    });

    it('cpus and memory from the settings, the app’s entry overriding one: inspect shows them, the cgroup holds them, and both are enforced', async () => {
      const app = await workspace.addApp('web', { serverCode: SERVER });
      const { controller, def } = controllerFor(app, { resources: { memory: '96m' } }, { resources: { cpus: 0.5, memory: '2g' } });
      const result = await controller.run(def);
      const inspected = await inspectLimits(engine, result.containerId);
      assert.equal(inspected.nanoCpus, 500_000_000);
      assert.equal(inspected.memory, 96 * 1024 * 1024);
      const cgroup = JSON.parse(await fetchText(`${result.url}cgroup`)) as Record<string, string>;
      assert.equal(cgroup.memory, String(96 * 1024 * 1024));
      assert.ok(cgroup.cpuMax === '50000 100000' || (cgroup.quota === '50000' && cgroup.period === '100000'), JSON.stringify(cgroup));
      // Half a CPU: a 2-s busy loop gets about 1 s of CPU (less on a loaded machine, never much more).
      const spin = JSON.parse(await (await fetch(`${result.url}spin`, { signal: AbortSignal.timeout(20_000) })).text()) as { cpuMs: number; wallMs: number };
      assert.ok(spin.cpuMs <= spin.wallMs * 0.6, `${spin.cpuMs} ms of CPU in ${spin.wallMs} ms`);
      // 400 MB in a 96 MB container: the kernel kills the app, not anything outside it.
      await fetch(`${result.url}hog`, { signal: AbortSignal.timeout(20_000) }).then(
        (response) => assert.fail(`the app held 400 MB under a 96 MB limit: ${response.status}`),
        () => undefined,
      );
      const exitCode = await waitForExit(engine, result.containerId);
      assert.equal(exitCode, 137, 'killed (SIGKILL) by the OOM killer');
    });
  });
}

async function waitForExit(engine: ContainerEngine, id: string): Promise<number | undefined> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const details = await engine.inspect(id);
    if (details && !details.running) {
      return details.exitCode;
    }
    if (Date.now() > deadline) {
      throw new Error(`container ${id} still running`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
