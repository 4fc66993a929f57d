import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SettingsError } from '../../src/core/errors';
import { DEFAULT_IMAGE, HOST_SETTINGS, hostSettingsIn, readSettings, userLevelForHostSettings, type SettingLayers } from '../../src/core/settings';

const from = (values: Record<string, unknown>) => (name: string) => values[name];

describe('settings', () => {
  it('has safe defaults', () => {
    const s = readSettings(from({}));
    assert.equal(s.bindAddress, '127.0.0.1');
    assert.equal(s.image, DEFAULT_IMAGE);
    assert.equal(s.pullPolicy, 'missing');
    assert.equal(s.engine, 'auto');
    assert.equal(s.enginePath, undefined);
    assert.equal(s.containerPort, 3000);
    assert.equal(s.idleTimeoutMinutes, 15);
    assert.equal(s.startupTimeoutSeconds, 120);
    assert.deepEqual(s.portRange, { start: 32100, end: 32200, size: 101 });
    assert.equal(s.packageCacheVolume, 'preview-pkg-cache');
    assert.equal(readSettings(from({ packageCacheVolume: '' })).packageCacheVolume, undefined, 'empty: no shared cache');
  });

  const bad: [Record<string, unknown>, string][] = [
    [{ engine: 'lxc' }, 'previewContainers.engine'],
    [{ bindAddress: 'everywhere' }, 'previewContainers.bindAddress'],
    [{ image: '--privileged' }, 'previewContainers.image'],
    [{ image: 'has space' }, 'previewContainers.image'],
    [{ pullPolicy: 'sometimes' }, 'previewContainers.pullPolicy'],
    [{ containerPort: 0 }, 'previewContainers.containerPort'],
    [{ startupTimeoutSeconds: 1e9 }, 'previewContainers.startupTimeoutSeconds'],
    [{ idleTimeoutMinutes: -1 }, 'previewContainers.idleTimeoutMinutes'],
    [{ releasePortOnIdle: 'yes' }, 'previewContainers.releasePortOnIdle'],
    [{ apps: {} }, 'previewContainers.apps'],
    [{ packageCacheVolume: '/home/me/cache' }, 'previewContainers.packageCacheVolume'],
    [{ packageCacheVolume: 7 }, 'previewContainers.packageCacheVolume'],
    [{ apps: [{}] }, 'previewContainers.apps[0].path'],
    [{ apps: [{ path: 'a', containerPort: 'x' }] }, 'previewContainers.apps[0].containerPort'],
    [{ apps: [{ path: 'a', env: { 'BAD NAME': 'x' } }] }, 'previewContainers.apps[0].env'],
    [{ apps: [{ path: 'a', command: [] }] }, 'previewContainers.apps[0].command'],
    [{ apps: [{ path: 'a', launch: 'python' }] }, 'previewContainers.apps[0].launch'],
    [{ apps: [{ path: 'a' }, { path: 'b', dockerfile: '' }] }, 'previewContainers.apps[1].dockerfile'],
    [{ apps: [{ path: 'a', dockerfile: 'Dockerfile\nx' }] }, 'previewContainers.apps[0].dockerfile'],
    [{ apps: [{ path: 'a', context: 3 }] }, 'previewContainers.apps[0].context'],
    [{ apps: [{ path: 'a', target: '--output=/' }] }, 'previewContainers.apps[0].target'],
    [{ apps: [{ path: 'a', target: 'has space' }] }, 'previewContainers.apps[0].target'],
    [{ apps: [{ path: 'a', buildArgs: ['A=1'] }] }, 'previewContainers.apps[0].buildArgs'],
    [{ apps: [{ path: 'a', buildArgs: { 'A-B': '1' } }] }, 'previewContainers.apps[0].buildArgs'],
    [{ apps: [{ path: 'a', buildArgs: { A: 1 } }] }, 'previewContainers.apps[0].buildArgs'],
    [{ apps: [{ path: 'a', mountSource: 'yes' }] }, 'previewContainers.apps[0].mountSource'],
    [{ 'portRange.start': 33000, 'portRange.end': 32000 }, 'previewContainers.portRange.start'],
  ];
  for (const [values, setting] of bad) {
    it(`names ${setting} when it is ${JSON.stringify(values)}`, () => {
      assert.throws(
        () => readSettings(from(values)),
        (error: unknown) => error instanceof SettingsError && error.setting === setting && error.message.includes(setting),
      );
    });
  }

  it('accepts a full app override, and remembers where it is in the list', () => {
    const entry = { path: 'apps/web', name: 'Web', image: 'localhost/x:1', command: ['npm', 'run', 'dev'], containerPort: 5173, env: { A: '1' }, envFile: '.env.local', resources: { cpus: 0.5, memory: '512M' } };
    const s = readSettings(from({ apps: [{ path: 'other' }, entry] }));
    assert.deepEqual(s.apps[1], { ...entry, resources: { cpus: 0.5, memory: '512m' }, index: 1 });
  });

  it('resources and openPreviewOnRun: defaults, valid values, and errors that name the setting', () => {
    const s = readSettings(from({}));
    assert.deepEqual(s.resources, {});
    assert.equal(s.openPreviewOnRun, 'tab');
    assert.deepEqual(readSettings(from({ resources: { cpus: 0, memory: '0' } })).resources, { cpus: 0, memory: '0' });
    assert.equal(readSettings(from({ openPreviewOnRun: 'integratedBrowser' })).openPreviewOnRun, 'integratedBrowser');
    const bad: [Record<string, unknown>, string][] = [
      [{ resources: { cpus: -1 } }, 'previewContainers.resources.cpus'],
      [{ resources: { cpus: 0.001 } }, 'previewContainers.resources.cpus'],
      [{ resources: { cpus: '2' } }, 'previewContainers.resources.cpus'],
      [{ resources: { memory: '512' } }, 'previewContainers.resources.memory'],
      [{ resources: { memory: '1m' } }, 'previewContainers.resources.memory'],
      [{ resources: { memory: '2t' } }, 'previewContainers.resources.memory'],
      [{ resources: { memory: '-2g' } }, 'previewContainers.resources.memory'],
      [{ resources: { pids: 10 } }, 'previewContainers.resources'],
      [{ resources: [1] }, 'previewContainers.resources'],
      [{ apps: [{ path: 'a', resources: { memory: '1x' } }] }, 'previewContainers.apps[0].resources.memory'],
      [{ apps: [{ path: 'a', envFile: '' }] }, 'previewContainers.apps[0].envFile'],
      [{ apps: [{ path: 'a', envFile: 'a\nb' }] }, 'previewContainers.apps[0].envFile'],
      [{ apps: [{ path: 'a', envFile: 3 }] }, 'previewContainers.apps[0].envFile'],
      [{ openPreviewOnRun: 'window' }, 'previewContainers.openPreviewOnRun'],
    ];
    for (const [values, setting] of bad) {
      assert.throws(() => readSettings(from(values)), (e: unknown) => e instanceof SettingsError && e.setting === setting, JSON.stringify(values));
    }
  });

  it('accepts the Dockerfile-app fields of an entry', () => {
    const entry = { path: 'services/api', launch: 'dockerfile', dockerfile: 'docker/Dockerfile.dev', context: '../..', target: 'dev', buildArgs: { PYTHON_VERSION: '3.11' }, mountSource: true };
    // `index` is where the entry is in the list, so errors can name it.
    assert.deepEqual(readSettings(from({ apps: [entry] })).apps[0], { ...entry, index: 0 });
    assert.deepEqual(readSettings(from({ apps: [{ path: 'web', launch: 'node' }] })).apps[0], { path: 'web', launch: 'node', index: 0 });
  });

  it('the manifest describes every apps[] field the settings accept, and only those', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { items?: { properties?: Record<string, { enum?: string[] }> } }> } };
    };
    const fields = manifest.contributes.configuration.properties['previewContainers.apps']?.items?.properties ?? {};
    assert.deepEqual(Object.keys(fields).sort(), ['buildArgs', 'command', 'containerPort', 'context', 'dockerfile', 'env', 'envFile', 'image', 'launch', 'mountSource', 'name', 'path', 'resources', 'target']);
    assert.deepEqual(fields.launch?.enum, ['node', 'dockerfile']);
  });

  it('host settings (engine, engine path and connection, bind address, port pool) come from user settings only, never a workspace', () => {
    const layers: Record<string, SettingLayers> = {
      enginePath: { workspaceValue: '/ws/x' },
      engineConnection: { globalValue: 'mine', workspaceFolderValue: 'production' },
      bindAddress: { workspaceValue: '0.0.0.0' },
      engine: { workspaceValue: 'docker' },
      'portRange.start': { workspaceValue: 1024 },
      'portRange.end': { workspaceValue: 65535 },
    };
    // What VS Code would resolve without our guard: the workspace wins.
    const resolved: Record<string, unknown> = { enginePath: '/ws/x', engineConnection: 'production', bindAddress: '0.0.0.0', engine: 'docker', 'portRange.start': 1024, 'portRange.end': 65535, image: 'localhost/ws:1' };
    const s = readSettings(userLevelForHostSettings((name) => layers[name], (name) => resolved[name]));
    assert.equal(s.enginePath, undefined);
    assert.equal(s.engineConnection, 'mine');
    assert.equal(s.bindAddress, '127.0.0.1');
    assert.equal(s.engine, 'auto');
    assert.deepEqual(s.portRange, { start: 32100, end: 32200, size: 101 });
    assert.equal(s.image, 'localhost/ws:1', 'other settings are the workspace’s to choose');
    assert.deepEqual([...HOST_SETTINGS].sort(), ['bindAddress', 'engine', 'engineConnection', 'enginePath', 'portRange.end', 'portRange.start']);
  });

  it('the manifest scopes every host setting to the machine and restricts it in untrusted workspaces', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
      capabilities: { untrustedWorkspaces: { restrictedConfigurations?: string[] } };
    };
    for (const name of HOST_SETTINGS) {
      assert.equal(manifest.contributes.configuration.properties[`previewContainers.${name}`]?.scope, 'machine', name);
    }
    assert.deepEqual([...(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [])].sort(), HOST_SETTINGS.map((n) => `previewContainers.${n}`).sort());
  });

  it('finds the host settings a workspace settings file names (JSON with comments and trailing commas), or a .code-workspace file', () => {
    const text = '// cloned\n{ "previewContainers.enginePath": "/ws/x", /* c */ "previewContainers.image": "a", "previewContainers.bindAddress": "0.0.0.0", }';
    assert.deepEqual(hostSettingsIn(text), ['previewContainers.enginePath', 'previewContainers.bindAddress']);
    assert.deepEqual(hostSettingsIn('{ "folders": [], "settings": { "previewContainers.engine": "docker" } }', 'settings'), ['previewContainers.engine']);
    assert.deepEqual(hostSettingsIn('{ "previewContainers.engine": "docker" }', 'settings'), []);
    assert.deepEqual(hostSettingsIn('not json at all {'), []);
    assert.deepEqual(hostSettingsIn(undefined), []);
    assert.deepEqual(hostSettingsIn('{"__proto__": {"previewContainers.engine": 1}}'), []);
  });
});
