import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { listConnections } from '../../src/core/engine/connections';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { detectEngine } from '../../src/core/engine/detectEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { EngineNotRespondingError } from '../../src/core/errors';
import { requireTestDockerd } from '../harness/dockerd';
import { RecordingLogger } from '../unit/helpers';
import { fetchText, makeController, realEngine, TestWorkspace } from './helpers';

/**
 * A second podman "connection" on this machine (a real remote one cannot be had here): the podman
 * API service on a socket of its own, registered with `podman system connection add`. Everything
 * then goes through podman's own remote client — the same path as an `ssh://` connection, minus SSH.
 */
describe('engine connections: a second podman connection (podman system service)', function () {
  this.timeout(180_000);
  const name = `pc-test-${process.pid}`;
  let socketDir: string;
  let service: ChildProcess | undefined;
  let local: ContainerEngine;
  let workspace: TestWorkspace;

  before(async function () {
    local = await realEngine(this);
    workspace = await TestWorkspace.create('pc-conn');
    socketDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-podman-service-'));
    const socket = path.join(socketDir, 'podman.sock');
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await fs.stat(socket).catch(() => undefined)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await execa('podman', ['system', 'connection', 'add', name, `unix://${socket}`]);
  });

  after(async () => {
    await workspace?.cleanUp(local);
    await execa('podman', ['system', 'connection', 'remove', name], { reject: false });
    if (service?.pid && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((resolve) => service?.once('exit', resolve));
    }
    await fs.rm(socketDir, { recursive: true, force: true });
  });

  it('lists the connection (local socket: no remote host)', async () => {
    const found = (await listConnections(execaExec, { podman: 'podman' })).find((c) => c.name === name);
    assert.ok(found);
    assert.equal(found.kind, 'podman');
    assert.equal(found.host, undefined);
  });

  it('runs an app through the connection, and the connection really carries the traffic', async () => {
    const engine = await detectEngine({ choice: 'podman', enginePath: undefined, connection: name, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });
    const { controller } = makeController(engine, { start: 32750, end: 32759 });
    const app = await workspace.addApp('via-connection');
    const result = await controller.run({ ref: app });
    assert.equal(await fetchText(`${result.url}name`), 'via-connection');
    // The same engine seen locally has it too (one podman store behind both).
    assert.ok((await local.list({ all: false, ours: true })).some((c) => c.id === result.containerId));
    // Stop the service: now every call through the connection fails, clearly.
    service?.kill('SIGTERM');
    await new Promise((resolve) => service?.once('exit', resolve));
    await assert.rejects(engine.list({ all: true, ours: true }), (error: unknown) => error instanceof EngineNotRespondingError && /podman is installed but its engine is not answering/.test(error.message));
  });
});

/**
 * A docker context (`--context <name>`) next to the default one: contexts live in the client's
 * configuration, so the test uses a throw-away one (DOCKER_CONFIG) and never the user's. One
 * context reaches the test dockerd, another a socket nothing listens on.
 */
describe('engine connections: docker contexts (--context)', function () {
  this.timeout(120_000);
  const live = `pc-test-${process.pid}`;
  const dead = `pc-dead-${process.pid}`;
  let configDir: string;
  let configBefore: string | undefined;
  let local: ContainerEngine;
  let workspace: TestWorkspace;
  const detect = (connection: string) => detectEngine({ choice: 'docker', enginePath: undefined, connection, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });

  before(async function () {
    const daemon = requireTestDockerd(this);
    local = await realEngine(this, 'docker');
    workspace = await TestWorkspace.create('pc-context');
    configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-docker-config-'));
    configBefore = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = configDir;
    await execa('docker', ['context', 'create', live, '--docker', `host=${daemon.host}`]);
    await execa('docker', ['context', 'create', dead, '--docker', `host=unix://${path.join(configDir, 'nothing.sock')}`]);
  });

  after(async () => {
    await workspace?.cleanUp(local);
    if (configBefore === undefined) {
      delete process.env.DOCKER_CONFIG;
    } else {
      process.env.DOCKER_CONFIG = configBefore;
    }
    if (configDir) {
      await fs.rm(configDir, { recursive: true, force: true });
    }
  });

  it('lists both contexts beside the default one (local sockets: no remote host)', async () => {
    const contexts = await listConnections(execaExec, { docker: 'docker' });
    assert.deepEqual(contexts.map((c) => [c.name, c.kind, c.host]).sort(), [
      ['default', 'docker', undefined],
      [dead, 'docker', undefined],
      [live, 'docker', undefined],
    ].sort());
  });

  it('runs an app through a context; a context whose daemon is gone fails clearly', async () => {
    const engine = await detect(live);
    const { controller } = makeController(engine, { start: 37150, end: 37159 });
    const app = await workspace.addApp('via-context');
    const result = await controller.run({ ref: app });
    assert.equal(await fetchText(`${result.url}name`), 'via-context');
    assert.ok((await local.list({ all: false, ours: true })).some((c) => c.id === result.containerId), 'the same daemon, seen without the context');
    // The flag really selects the endpoint: DOCKER_HOST (the test dockerd) does not win over it.
    await assert.rejects(detect(dead), (error: unknown) => error instanceof EngineNotRespondingError && /docker is installed but its engine is not answering: .*nothing\.sock/.test(error.message));
  });
});
