import * as assert from 'node:assert/strict';
import { SettingsError } from '../../src/core/errors';
import { DEFAULT_IMAGE, readSettings } from '../../src/core/settings';

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

  it('accepts a full app override', () => {
    const s = readSettings(from({ apps: [{ path: 'apps/web', name: 'Web', image: 'localhost/x:1', command: ['npm', 'run', 'dev'], containerPort: 5173, env: { A: '1' } }] }));
    assert.deepEqual(s.apps[0], { path: 'apps/web', name: 'Web', image: 'localhost/x:1', command: ['npm', 'run', 'dev'], containerPort: 5173, env: { A: '1' } });
  });
});
