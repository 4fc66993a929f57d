import * as assert from 'node:assert/strict';
import { RunSpecError } from '../../src/core/engine/engineErrors';
import { buildRunArgs } from '../../src/core/engine/runArgs';
import { SettingsError } from '../../src/core/errors';
import { readSettings } from '../../src/core/settings';
import { app, makeAllocator } from './helpers';

describe('a NUL character in an app command', () => {
  for (const command of ['node a\0b', ['node', 'a\0b']]) {
    it(`is refused by the settings, naming apps[0].command (${JSON.stringify(command)})`, () => {
      assert.throws(
        () => readSettings((name) => (name === 'apps' ? [{ path: 'web', command }] : undefined)),
        (error: unknown) => error instanceof SettingsError && error.setting === 'previewContainers.apps[0].command' && /NUL character/.test(error.message),
      );
    });
  }

  it('is refused by buildRunArgs (no argv entry may carry one: spawning would throw a raw error)', async () => {
    const lease = await makeAllocator().allocator.allocatePort(app('web'));
    const spec = { lease, name: 'n', image: 'localhost/x:1', bindAddress: '127.0.0.1', containerPort: 3000, command: ['node', 'a\0b'], env: {} };
    assert.throws(() => buildRunArgs(spec), (error: unknown) => error instanceof RunSpecError && /NUL character/.test(error.message));
  });
});
