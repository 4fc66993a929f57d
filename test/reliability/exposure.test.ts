import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { SOURCE_DIR } from '../../src/core/sourceMirror';
import { dependencyVolumeFor, type AppRef } from '../../src/core/appIdentity';
import type { RunResult } from '../../src/core/appController';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import type { EngineKind } from '../../src/core/engine/types';
import { requireTestDockerd } from '../harness/dockerd';
import { liveChildren } from '../harness/processGroup';
import { fetchText, makeController, realEngine } from '../engine/helpers';
import { figure, isLoopback, listeningSockets, ReliabilityWorkspace } from './helpers';

/** Podman's and docker's ranges (docker variants use 36500–37499). */
const VARIANTS: readonly { kind: EngineKind; range: { start: number; end: number } }[] = [
  { kind: 'podman', range: { start: 34500, end: 34509 } },
  { kind: 'docker', range: { start: 37450, end: 37459 } },
];
/** Two plain apps and one with a dependency (installed into its cache volume). */
const APPS = 3;

interface Binding {
  readonly HostIp?: string;
  readonly HostPort?: string;
}

/** The fields of `podman/docker inspect` that say what a container can reach and what reaches it. */
interface Inspected {
  readonly Id: string;
  readonly State: { readonly ConmonPid?: number };
  readonly HostConfig: {
    readonly Privileged: boolean;
    readonly CapAdd: readonly string[] | null;
    readonly SecurityOpt: readonly string[] | null;
    readonly NetworkMode: string;
    readonly PidMode: string;
    readonly IpcMode: string;
    readonly Devices: readonly unknown[] | null;
    readonly PortBindings: Readonly<Record<string, readonly Binding[] | null>> | null;
  };
  readonly NetworkSettings: { readonly Ports: Readonly<Record<string, readonly Binding[] | null>> | null };
  readonly Mounts: readonly { readonly Type: string; readonly Name?: string; readonly Source: string; readonly Destination: string; readonly RW?: boolean }[];
  readonly Config: { readonly Labels: Readonly<Record<string, string>> | null };
}

/** A zero-config app with a (local, offline) dependency: it is installed into a cache volume. */
async function addAppWithDependency(ws: ReliabilityWorkspace): Promise<AppRef> {
  const app = await ws.apps.addApp('exposed-deps');
  await fs.mkdir(path.join(app.folder, 'local-dep'));
  await fs.writeFile(path.join(app.folder, 'local-dep', 'package.json'), JSON.stringify({ name: 'local-dep', version: '1.0.0' }));
  await fs.writeFile(path.join(app.folder, 'package.json'), JSON.stringify({ name: 'exposed-deps', scripts: { start: 'node server.js' }, dependencies: { 'local-dep': 'file:./local-dep' } }));
  return app;
}

function bindings(map: Readonly<Record<string, readonly Binding[] | null>> | null): Binding[] {
  return Object.values(map ?? {}).flatMap((list) => list ?? []);
}

/** Addresses of this machine that other machines could use to reach it. */
function externalAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && !(a.family === 'IPv6' && a.address.startsWith('fe80')))
    .map((a) => a.address);
}

/**
 * The processes that hold our containers' published sockets on the host: podman's conmon of each
 * container; for docker, the docker-proxy of each published port (children of the test dockerd).
 */
async function socketHolders(kind: EngineKind, context: Mocha.Context, inspected: readonly Inspected[], ports: readonly number[]): Promise<number[]> {
  if (kind === 'podman') {
    return inspected.map((c) => c.State.ConmonPid).filter((pid): pid is number => pid !== undefined && pid > 0);
  }
  const holders: number[] = [];
  for (const pid of await liveChildren(requireTestDockerd(context).pid)) {
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const hostPort = Number(argv[argv.indexOf('-host-port') + 1]);
    if (path.basename(argv[0] ?? '') === 'docker-proxy' && ports.includes(hostPort)) {
      holders.push(pid);
    }
  }
  return holders;
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

for (const { kind, range } of VARIANTS) {
  describe(`Reliability: exposure (default settings, real ${kind})`, function () {
    this.timeout(120_000);
    let engine: ContainerEngine;
    let ws: ReliabilityWorkspace | undefined;
    let apps: AppRef[] = [];
    let results: RunResult[] = [];
    let inspected: Inspected[] = [];

    before(async function () {
      engine = await realEngine(this, kind);
      ws = await ReliabilityWorkspace.create('exposure');
      apps = await ws.addApps('exposed', APPS - 1);
      apps.push(await addAppWithDependency(ws));
      // Only what the test image needs (a local image, never pulled): bind address and all else default.
      const { controller, settings } = makeController(engine, range);
      assert.equal(settings.bindAddress, '127.0.0.1', 'the default bind address');
      results = await Promise.all(apps.map((ref) => controller.run({ ref })));
      const { stdout } = await execa(engine.binary, ['inspect', '--type', 'container', ...results.map((r) => r.containerId)]);
      inspected = JSON.parse(stdout) as Inspected[];
    });

    after(async () => {
      await ws?.cleanUp(engine);
    });

    it('publishes every port on 127.0.0.1 only: configured and live bindings (inspect)', async () => {
      assert.equal(inspected.length, APPS);
      for (const [i, container] of inspected.entries()) {
        const port = String(results[i]?.port);
        assert.deepEqual(bindings(container.HostConfig.PortBindings), [{ HostIp: '127.0.0.1', HostPort: port }]);
        assert.deepEqual(bindings(container.NetworkSettings.Ports), [{ HostIp: '127.0.0.1', HostPort: port }]);
        assert.equal(await fetchText(`http://127.0.0.1:${port}/name`), apps[i]?.name);
      }
    });

    it('the OS socket table (ss) shows nothing of ours on a non-loopback address, and no other address reaches the apps', async function () {
      const sockets = await listeningSockets();
      const ports = results.map((r) => r.port);
      const holders = await socketHolders(kind, this, inspected, ports);
      assert.equal(holders.length, APPS, kind === 'podman' ? 'podman reports the conmon of each container' : 'one docker-proxy per published port');
      const ours = sockets.filter((s) => ports.includes(s.port) || s.pids.some((pid) => holders.includes(pid)));
      assert.ok(ports.every((port) => ours.some((s) => s.port === port)), `every app port is listening:\n${ours.map((s) => s.line).join('\n')}`);
      const exposed = ours.filter((s) => !isLoopback(s.address));
      assert.deepEqual(exposed.map((s) => s.line), [], 'sockets of ours on a non-loopback address');
      const addresses = externalAddresses();
      const reached: string[] = [];
      for (const address of addresses) {
        for (const port of ports) {
          if (await connects(address, port)) {
            reached.push(`${address}:${port}`);
          }
        }
      }
      assert.deepEqual(reached, [], 'apps reachable through a non-loopback address');
      figure(kind === 'podman' ? 'exposure' : `exposure ${kind}`, { apps: APPS, socketsOfOurs: ours.length, nonLoopbackSockets: exposed.length, externalAddressesTried: addresses, reachedFromOutside: reached.length });
    });

    it('containers run unprivileged, without added capabilities, host namespaces, devices or the engine socket; only the app folder is mounted from the host', () => {
      for (const [i, container] of inspected.entries()) {
        const { HostConfig: host } = container;
        assert.equal(host.Privileged, false, 'not --privileged');
        assert.deepEqual(host.CapAdd ?? [], [], 'no added capabilities');
        assert.ok((host.SecurityOpt ?? []).includes('no-new-privileges'), `security options ${JSON.stringify(host.SecurityOpt)}`);
        for (const mode of [host.NetworkMode, host.PidMode, host.IpcMode]) {
          assert.notEqual(mode, 'host', 'no host namespace');
        }
        assert.deepEqual(host.Devices ?? [], [], 'no devices');
        const app = apps[i];
        assert.deepEqual(
          container.Mounts.filter((m) => m.Type === 'bind').map((m) => ({ Source: m.Source, Destination: m.Destination, RW: m.RW })),
          [{ Source: app.folder, Destination: SOURCE_DIR, RW: false }],
          `one host path: exactly the app folder, read-only at ${SOURCE_DIR} (the app runs on its own copy)`,
        );
        // Zero-config apps with dependencies keep node_modules in a named volume of their own.
        assert.deepEqual(
          container.Mounts.filter((m) => m.Type !== 'bind').map((m) => ({ Type: m.Type, Name: m.Name, Destination: m.Destination })),
          app === apps[APPS - 1] ? [{ Type: 'volume', Name: dependencyVolumeFor(app), Destination: '/app/node_modules' }] : [],
          'besides it, only the app\'s own dependency cache volume',
        );
        assert.ok(!container.Mounts.some((m) => /\.sock$|\/run\/(podman|docker)|docker\.sock|podman\.sock/.test(m.Source)), 'no engine socket');
      }
      figure(kind === 'podman' ? 'container privileges' : `container privileges ${kind}`, { containers: inspected.length, privileged: 0, engineSocketMounts: 0, hostPathsBesidesAppFolder: 0, writableHostPaths: 0, dependencyCacheVolumes: 1 });
    });
  });
}
