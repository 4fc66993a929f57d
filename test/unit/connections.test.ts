import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { connectionArgs, hostOfUri, parseDockerContexts, parsePodmanConnections } from '../../src/core/engine/connections';
import { RemoteEngineLoopbackError, SettingsError } from '../../src/core/errors';
import { readSettings } from '../../src/core/settings';
import { FakeEngine } from './fakeEngine';
import { fakeWorld } from './fakeWorld';
import { app } from './helpers';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');

describe('remote engines: connections and contexts', () => {
  it('tells remote hosts from local sockets', () => {
    assert.equal(hostOfUri('unix:///run/podman/podman.sock'), undefined);
    assert.equal(hostOfUri('npipe:////./pipe/docker_engine'), undefined);
    assert.equal(hostOfUri('ssh://dev@build-box:2222/run/podman.sock'), 'build-box');
    assert.equal(hostOfUri('ssh://10.0.0.7'), '10.0.0.7');
    assert.equal(hostOfUri('tcp://[fd00::5]:2376'), 'fd00::5');
    assert.equal(hostOfUri('tcp://127.0.0.1:2375'), undefined);
    assert.equal(hostOfUri('ssh://me@localhost/run/podman.sock'), undefined);
  });

  it('parses podman connections (recorded) and docker contexts', () => {
    const podman = parsePodmanConnections(readFileSync(path.join(FIXTURES, 'podman-4.3/connection-list.json'), 'utf8'));
    assert.deepEqual(
      podman.map((c) => [c.name, c.host, c.isDefault]),
      [
        ['pc-probe', undefined, true],
        ['build-box', 'build-box.example', false],
      ],
    );
    const docker = parseDockerContexts(readFileSync(path.join(FIXTURES, 'docker/context-ls.jsonl'), 'utf8'));
    assert.deepEqual(
      docker.map((c) => [c.name, c.host, c.isDefault]),
      [
        ['default', undefined, true],
        ['ci-box', '10.0.0.7', false],
      ],
    );
    assert.deepEqual(parsePodmanConnections('garbage'), []);
  });

  it('selects a connection with the engine’s own global flag', () => {
    assert.deepEqual(connectionArgs('podman', 'build-box'), ['--connection', 'build-box']);
    assert.deepEqual(connectionArgs('docker', 'ci-box'), ['--context', 'ci-box']);
    assert.deepEqual(connectionArgs('podman', undefined), []);
  });

  it('validates the setting', () => {
    assert.equal(readSettings((n) => (n === 'engineConnection' ? ' ci-box ' : undefined)).engineConnection, 'ci-box');
    assert.throws(() => readSettings((n) => (n === 'engineConnection' ? '--privileged' : undefined)), SettingsError);
  });

  function controllerOn(engine: FakeEngine, bindAddress: string) {
    return fakeWorld({ start: 33250, engine, settings: { bindAddress }, probe: { isFree: () => Promise.resolve(true) } }).controller;
  }

  it('a remote engine with ports on loopback is refused before anything is allocated, with what to do', async () => {
    const engine = new FakeEngine();
    engine.host = 'build-box';
    await assert.rejects(controllerOn(engine, '127.0.0.1').run({ ref: app('web') }), (error: unknown) => {
      assert.ok(error instanceof RemoteEngineLoopbackError);
      assert.match(error.message, /runs on build-box/);
      assert.match(error.message, /Remote \(SSH\)/);
      return true;
    });
    assert.equal(engine.runArgs.length, 0);
    await engine.closeAll();
  });

  it('the app URL and readiness use the engine’s host', async () => {
    const engine = new FakeEngine();
    engine.host = 'localhost'; // stands in for a remote host name that resolves
    const result = await controllerOn(engine, '0.0.0.0').run({ ref: app('web') });
    assert.equal(result.url, `http://localhost:${result.port}/`);
    await engine.closeAll();
  });
});
