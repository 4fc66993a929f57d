import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { inspectFolder, parsePackageJson, resolveAppConfig, type FolderInfo } from '../../src/core/appFolder';
import { planLaunch, withInstall } from '../../src/core/launchPlan';
import { choosePackageManager } from '../../src/core/packageManager';
import { readSettings } from '../../src/core/settings';
import { mirrored, unmirrored } from '../../src/core/sourceMirror';

const STACKS = path.resolve(__dirname, '../../../test/fixtures/stacks');
const settings = readSettings(() => undefined);

async function plan(fixture: string, image = settings.image) {
  const info = await inspectFolder(path.join(STACKS, fixture));
  return planLaunch(info, { fallbackPort: 3000, image });
}

/** The argv that finally runs (after the install wrapper, if any). */
function runPart(command: readonly string[]): readonly string[] {
  return command[0] === 'sh' && command[1] === '-c' ? command.slice(4) : command;
}

describe('zero-config launch plans (fixture apps)', () => {
  const cases: [string, string, string, number, string[], Record<string, string>?][] = [
    ['vite', 'vite', 'npm', 5173, ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '5173', '--strictPort']],
    ['next', 'next', 'npm', 3000, ['npm', 'run', 'dev', '--', '-H', '0.0.0.0', '-p', '3000']],
    ['cra', 'cra', 'npm', 3000, ['npm', 'run', 'start'], { PORT: '3000', HOST: '0.0.0.0', BROWSER: 'none', WDS_SOCKET_PORT: '0' }],
    ['astro', 'astro', 'npm', 4321, ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '4321']],
    ['sveltekit', 'sveltekit', 'npm', 5173, ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '5173', '--strictPort']],
    ['nuxt', 'nuxt', 'npm', 3000, ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '3000']],
    ['express', 'node', 'npm', 3000, ['npm', 'run', 'start']],
    ['plain-node', 'node', 'npm', 3000, ['node', 'lib/app.js']],
    ['pnpm-vite', 'vite', 'pnpm', 5173, ['pnpm', 'run', 'dev', '--host', '0.0.0.0', '--port', '5173', '--strictPort']],
    ['yarn-next', 'next', 'yarn', 3000, ['yarn', 'run', 'dev', '-H', '0.0.0.0', '-p', '3000']],
    ['corepack-field', 'astro', 'pnpm', 4321, ['pnpm', 'run', 'dev', '--host', '0.0.0.0', '--port', '4321']],
    ['bun-vite', 'vite', 'bun', 5173, ['bun', 'run', 'dev', '--host', '0.0.0.0', '--port', '5173', '--strictPort']],
  ];
  for (const [fixture, stack, pm, port, run, env] of cases) {
    it(`${fixture}: ${stack} with ${pm} on container port ${port}`, async () => {
      const p = await plan(fixture);
      assert.equal(p.stack, stack);
      assert.equal(p.packageManager, pm);
      assert.equal(p.containerPort, port);
      assert.deepEqual(runPart(p.command), run);
      // Beside the stack's own: the package caches and, for pnpm/yarn/bun, which one to install.
      const own = Object.fromEntries(Object.entries(p.env).filter(([k]) => !/^(npm_config_cache|PREVIEW_CONTAINERS_PM|YARN_|BUN_)/.test(k)));
      assert.deepEqual(own, env ?? {});
    });
  }

  it('installs (into the cache volume) only for apps that declare dependencies, with the lockfile’s manager, never through corepack', async () => {
    const vite = await plan('vite');
    assert.equal(vite.installDependencies, true);
    assert.equal(vite.command[0], 'sh');
    assert.match(vite.command[2] ?? '', /npm ci --prefer-offline --no-audit/, 'package-lock.json: a frozen install');
    const pnpm = await plan('pnpm-vite');
    assert.match(pnpm.command[2] ?? '', /pnpm install --frozen-lockfile --prefer-offline --store-dir \/var\/cache\/preview-pkg\/pnpm-store/);
    assert.equal(pnpm.env.PREVIEW_CONTAINERS_PM, 'pnpm@10');
    assert.doesNotMatch(pnpm.command.join(' '), /corepack/);
    const plain = await plan('plain-node');
    assert.equal(plain.installDependencies, false);
    assert.deepEqual(plain.command, ['node', 'lib/app.js']);
  });

  it('bun comes from its npm package; a bun image’s own bun is used as it is', async () => {
    const fromNpm = await plan('bun-vite');
    assert.equal(fromNpm.env.PREVIEW_CONTAINERS_PM, 'bun@1');
    assert.match(fromNpm.command[2] ?? '', /bun install --frozen-lockfile/);
    const withBun = await plan('bun-vite', 'docker.io/oven/bun:1');
    assert.equal(withBun.packageManager, 'bun');
    assert.equal(withBun.env.PREVIEW_CONTAINERS_PM, undefined);
    assert.doesNotMatch(withBun.command[2] ?? '', /npm install --prefix/);
    assert.deepEqual(runPart(withBun.command), ['bun', 'run', 'dev', '--host', '0.0.0.0', '--port', '5173', '--strictPort']);
  });

  it('does not append flags to a dev script that does not call the dev server directly', async () => {
    const p = await plan('custom-dev-script');
    assert.equal(p.stack, 'node');
    assert.deepEqual(runPart(p.command), ['npm', 'run', 'dev']);
    assert.match(p.notes.join(), /does not call vite/);
  });

  it('the install wrapper is constant shell text; the command travels as arguments, the package manager in the environment', () => {
    const pnpm = choosePackageManager({ packageManagerField: 'pnpm@9.1.0', files: new Set(['pnpm-lock.yaml']), heads: {} });
    const wrapped = withInstall(pnpm, ['node', '$(rm -rf /)']);
    assert.deepEqual(wrapped.slice(3), ['sh', 'node', '$(rm -rf /)']);
    assert.ok(!(wrapped[2] ?? '').includes('rm -rf /'));
    assert.ok(!(wrapped[2] ?? '').includes('9.1.0'), 'the version is not in the script text');
    assert.match(wrapped[2] ?? '', /"\$PREVIEW_CONTAINERS_PM"/);
  });

  it('a per-app containerPort override is passed to the dev server', async () => {
    const info = await inspectFolder(path.join(STACKS, 'vite'));
    const config = resolveAppConfig(settings, { path: 'vite', containerPort: 4000 }, info);
    assert.equal(config.containerPort, 4000);
    assert.ok(config.command.includes('4000'));
    assert.equal(config.cacheDependencies, true);
  });

  it('an explicit command wins over inference (and caches nothing)', () => {
    const info: FolderInfo = { pkg: parsePackageJson('{"scripts":{"dev":"vite"},"devDependencies":{"vite":"1"}}'), hasNodeModules: false, files: new Set() };
    const config = resolveAppConfig(settings, { path: 'a', command: ['node', 'x.js'] }, info);
    assert.deepEqual(config.command, mirrored(['node', 'x.js']), 'run inside the mirrored copy of the folder');
    assert.deepEqual(unmirrored(config.command), ['node', 'x.js']);
    assert.equal(config.containerPort, 3000);
    assert.equal(config.cacheDependencies, false);
  });

  it('tolerates broken package.json', () => {
    assert.equal(parsePackageJson('{'), undefined);
    assert.equal(parsePackageJson('[]'), undefined);
    assert.deepEqual(parsePackageJson('{"scripts": 5, "name": 3}')?.scripts, {});
  });
});
