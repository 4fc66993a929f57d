import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeAppRef } from '../../src/core/appIdentity';
import { RunSpecError } from '../../src/core/engine/engineErrors';
import { buildRunArgs } from '../../src/core/engine/runArgs';
import { containedEnvFile, envFileNames } from '../../src/core/envFile';
import { SettingsError, withoutAnsi } from '../../src/core/errors';
import { defaultLimits, resolveLimits } from '../../src/core/resources';
import { makeAllocator, tempDir } from './helpers';

const GIB = 1024 ** 3;

describe('resource limits', () => {
  it('defaults leave the editor a core and half the memory (at least one core, 256m for the app)', () => {
    assert.deepEqual(defaultLimits({ cpus: 2, memoryBytes: 24 * GIB }), { cpus: 1, memory: '12288m' });
    assert.deepEqual(defaultLimits({ cpus: 8, memoryBytes: 8 * GIB }), { cpus: 7, memory: '4096m' });
    assert.deepEqual(defaultLimits({ cpus: 1, memoryBytes: 256 * 1024 * 1024 }), { cpus: 1, memory: '256m' });
  });

  it('each limit comes from the app entry, else the workspace setting, else the default; 0 is no limit', () => {
    const host = { cpus: 4, memoryBytes: 16 * GIB };
    assert.deepEqual(resolveLimits({}, undefined, host), { cpus: 3, memory: '8192m' });
    assert.deepEqual(resolveLimits({ cpus: 2 }, { memory: '1g' }, host), { cpus: 2, memory: '1g' });
    assert.deepEqual(resolveLimits({ cpus: 2, memory: '2g' }, { cpus: 0.5 }, host), { cpus: 0.5, memory: '2g' });
    assert.deepEqual(resolveLimits({ cpus: 0, memory: '0' }, undefined, host), { cpus: undefined, memory: undefined });
    assert.deepEqual(resolveLimits({ cpus: 0 }, { cpus: 1 }, host), { cpus: 1, memory: '8192m' });
  });
});

describe('buildRunArgs: limits and the env file', () => {
  const base = { name: 'c', image: 'localhost/x:1', bindAddress: '127.0.0.1', containerPort: 3000, command: ['npm', 'start'], env: { A: '1' } };
  const lease = () => makeAllocator().allocator.allocatePort(makeAppRef('/ws/apps/web', '/ws'));

  it('passes --cpus and --memory, and --env-file before every --env (so env entries and PORT/HOST win)', async () => {
    const args = buildRunArgs({ ...base, lease: await lease(), limits: { cpus: 1.5, memory: '2g' }, envFile: '/ws/apps/web/.env' });
    const at = (flag: string): number => args.indexOf(flag);
    assert.equal(args[at('--cpus') + 1], '1.5');
    assert.equal(args[at('--memory') + 1], '2g');
    assert.equal(args[at('--env-file') + 1], '/ws/apps/web/.env');
    assert.ok(at('--env-file') < at('--env'));
    assert.ok(args.indexOf('localhost/x:1') > at('--env-file'), 'all before the image');
  });

  it('no limit, no flag', async () => {
    const args = buildRunArgs({ ...base, lease: await lease(), limits: { cpus: undefined, memory: undefined } });
    assert.ok(!args.includes('--cpus') && !args.includes('--memory') && !args.includes('--env-file'));
  });

  it('refuses limits and env file paths the engine would misread', async () => {
    const l = await lease();
    for (const spec of [
      { limits: { cpus: Number.NaN, memory: undefined } },
      { limits: { cpus: -1, memory: undefined } },
      { limits: { cpus: undefined, memory: '--privileged' } },
      { limits: { cpus: undefined, memory: '1m' } },
      { envFile: 'relative/.env' },
      { envFile: '/ws/.env\n--privileged' },
    ]) {
      assert.throws(() => buildRunArgs({ ...base, lease: l, ...spec }), RunSpecError, JSON.stringify(spec));
    }
  });
});

describe('env files: the syntax the engines read, and nothing from the editor’s environment', () => {
  it('collects the names of NAME=value lines, skipping comments and blank lines', () => {
    assert.deepEqual(envFileNames('# c\n\nA=1\r\n  B_2=x=y\nFORCE_COLOR=0\n'), { names: new Set(['A', 'B_2', 'FORCE_COLOR']) });
  });

  it('refuses a bare NAME (the engine would copy it from the host environment), NAME* and bad names', () => {
    for (const text of ['HOME\n', 'A=1\nAWS_*\n', 'A B=1\n', '1A=2\n', 'export A=1\n']) {
      const parsed = envFileNames(text);
      assert.ok('problem' in parsed, text);
    }
    const parsed = envFileNames('A=1\nGITHUB_TOKEN\n');
    assert.match('problem' in parsed ? parsed.problem : '', /line 2 \("GITHUB_TOKEN"\) has no "=".*editor’s own environment/);
  });
});

describe('env files are contained in the workspace like apps[].path, at every start', () => {
  let dir: string;
  let workspace: string;
  let appFolder: string;

  beforeEach(async () => {
    dir = await tempDir('pc-envfile');
    workspace = path.join(dir, 'workspace');
    appFolder = path.join(workspace, 'apps', 'web');
    await fs.mkdir(appFolder, { recursive: true });
    await fs.mkdir(path.join(dir, 'outside'));
    await fs.writeFile(path.join(dir, 'outside', 'secrets.env'), 'TOKEN=x\n');
    await fs.writeFile(path.join(appFolder, '.env'), 'A=1\n');
    await fs.writeFile(path.join(workspace, 'shared.env'), 'B=2\n');
  });

  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const app = () => makeAppRef(appFolder, workspace);
  const entry = (envFile: string) => ({ path: 'apps/web', envFile, index: 3 });
  const refused = (pattern: RegExp) => (error: unknown) => {
    assert.ok(error instanceof SettingsError);
    assert.equal(error.setting, 'previewContainers.apps[3].envFile');
    assert.match(error.message, pattern);
    return true;
  };

  it('resolves relative to the app folder, to its real path, with the names it sets; no entry, no file', async () => {
    assert.deepEqual(await containedEnvFile(app(), entry('.env')), { path: await fs.realpath(path.join(appFolder, '.env')), names: new Set(['A']) });
    assert.equal((await containedEnvFile(app(), entry('../../shared.env')))?.path, await fs.realpath(path.join(workspace, 'shared.env')));
    assert.equal(await containedEnvFile(app(), { path: 'apps/web' }), undefined);
    assert.equal(await containedEnvFile(app(), undefined), undefined);
  });

  it('a missing file is a clear error naming the entry and the path', async () => {
    await assert.rejects(containedEnvFile(app(), entry('.env.local')), refused(/"\.env\.local" \(of apps-web, relative to its folder\): .*apps\/web\/\.env\.local does not exist/));
  });

  it('refuses a path out of the workspace, a symlink out, a folder and a file with a host passthrough line', async () => {
    await assert.rejects(containedEnvFile(app(), entry('../../../outside/secrets.env')), refused(/lies outside the workspace folder/));
    await assert.rejects(containedEnvFile(app(), entry(path.join(dir, 'outside', 'secrets.env'))), refused(/lies outside the workspace folder/));
    await fs.symlink(path.join(dir, 'outside', 'secrets.env'), path.join(appFolder, 'linked.env'));
    await assert.rejects(containedEnvFile(app(), entry('linked.env')), refused(/resolves to .*outside.*outside the workspace folder/));
    await fs.mkdir(path.join(appFolder, 'dir.env'));
    await assert.rejects(containedEnvFile(app(), entry('dir.env')), refused(/is not a file/));
    await fs.writeFile(path.join(appFolder, 'pass.env'), 'A=1\nHOME\n');
    await assert.rejects(containedEnvFile(app(), entry('pass.env')), refused(/line 2 \("HOME"\)/));
  });
});

describe('log lines in messages', () => {
  it('lose their colour codes and keep what a terminal would show after a carriage return', () => {
    assert.equal(withoutAnsi('\u001b[31mred\u001b[0m plain'), 'red plain');
    assert.equal(withoutAnsi('10%\r50%\r100%\nnext'), '100%\nnext');
  });
});
