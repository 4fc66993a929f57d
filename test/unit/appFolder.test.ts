import * as assert from 'node:assert/strict';
import { defaultCommand, parsePackageJson, resolveAppConfig, type FolderInfo } from '../../src/core/appFolder';
import { readSettings } from '../../src/core/settings';

const info = (pkg: object | undefined, hasNodeModules = false): FolderInfo => ({
  pkg: pkg === undefined ? undefined : parsePackageJson(JSON.stringify(pkg)),
  hasNodeModules,
  files: new Set(),
});

describe('default command', () => {
  it('prefers npm run dev, then npm start, then node main, then node index.js', () => {
    assert.deepEqual(defaultCommand(info({ scripts: { dev: 'vite', start: 'x' } })), ['npm', 'run', 'dev']);
    assert.deepEqual(defaultCommand(info({ scripts: { start: 'node s.js' } })), ['npm', 'start']);
    assert.deepEqual(defaultCommand(info({ main: 'lib/server.js' })), ['node', 'lib/server.js']);
    assert.deepEqual(defaultCommand(info({})), ['node', 'index.js']);
    assert.deepEqual(defaultCommand(info(undefined)), ['node', 'index.js']);
  });

  it('installs first when the app declares dependencies and has no node_modules', () => {
    const command = defaultCommand(info({ scripts: { dev: 'vite' }, dependencies: { vite: '^5' } }));
    assert.deepEqual(command, ['sh', '-c', 'npm install --no-audit --no-fund && exec "$@"', 'sh', 'npm', 'run', 'dev']);
    assert.deepEqual(defaultCommand(info({ scripts: { dev: 'vite' }, dependencies: { vite: '^5' } }, true)), ['npm', 'run', 'dev']);
  });

  it('never puts package.json text into the shell string', () => {
    const command = defaultCommand(info({ main: '$(rm -rf /); x.js', dependencies: { a: '1' } }));
    assert.equal(command[2], 'npm install --no-audit --no-fund && exec "$@"');
    assert.equal(command[command.length - 1], '$(rm -rf /); x.js');
  });

  it('tolerates broken package.json', () => {
    assert.equal(parsePackageJson('{'), undefined);
    assert.equal(parsePackageJson('[]'), undefined);
    assert.deepEqual(parsePackageJson('{"scripts": 5, "name": 3}')?.scripts, {});
  });

  it('applies per-app overrides over the global settings', () => {
    const settings = readSettings(() => undefined);
    const config = resolveAppConfig(settings, { path: 'a', image: 'localhost/x:1', containerPort: 5173, command: 'npm run serve -- --port 5173', env: { A: '1' } }, info({}));
    assert.deepEqual(config, { image: 'localhost/x:1', containerPort: 5173, command: ['sh', '-c', 'npm run serve -- --port 5173'], env: { A: '1' } });
    const plain = resolveAppConfig(settings, undefined, info({ scripts: { start: 's' } }));
    assert.equal(plain.image, 'docker.io/library/node:22-alpine');
    assert.equal(plain.containerPort, 3000);
  });
});
