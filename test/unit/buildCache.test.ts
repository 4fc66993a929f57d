import * as assert from 'node:assert/strict';
import { dependencyVolumeFor, makeAppRef } from '../../src/core/appIdentity';
import { parsePackageJson, type FolderInfo } from '../../src/core/appFolder';
import { appVolumesFor, BUILD_CACHE_DIRS, buildCacheVolumeFor } from '../../src/core/buildCache';
import { buildRunArgs } from '../../src/core/engine/runArgs';
import { readSettings } from '../../src/core/settings';
import { nodeLaunch } from '../../src/core/start/launch';
import { SKIPPED_TOP_LEVEL } from '../../src/core/sourceMirror';
import { makeAllocator } from './helpers';

async function leaseFor(folder: string) {
  return makeAllocator().allocator.allocatePort(makeAppRef(folder, '/ws'));
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

function folder(pkg: Record<string, unknown>): FolderInfo {
  return { pkg: parsePackageJson(JSON.stringify(pkg)), hasNodeModules: false, files: new Set(['package.json']) };
}

function launchOf(pkg: Record<string, unknown>, override?: { path: string; command: string }) {
  const app = makeAppRef('/ws/apps/web', '/ws');
  const settings = readSettings((name) => ({ packageCacheVolume: 'preview-pkg-cache' })[name]);
  return { app, launch: nodeLaunch({ app, override, settings, folder: folder(pkg), sourceFolder: app.folder }) };
}

const NEXT_APP = { scripts: { dev: 'next dev' }, dependencies: { next: '16.4.3', react: '19.3.0' } };

describe('build caches: per-app volumes for the folders stacks keep their cache in', () => {
  it('names one valid volume per app and folder, distinct from the node_modules volume and from other apps', () => {
    const web = makeAppRef('/ws/apps/web', '/ws');
    const other = makeAppRef('/other/apps/web', '/other');
    const names = BUILD_CACHE_DIRS.map((dir) => buildCacheVolumeFor(web, dir));
    for (const name of [...names, buildCacheVolumeFor(makeAppRef(`/ws/${'x'.repeat(300)}`, '/ws'), '.svelte-kit')]) {
      assert.match(name, VOLUME_NAME);
    }
    assert.equal(new Set(names).size, BUILD_CACHE_DIRS.length);
    assert.ok(!names.includes(dependencyVolumeFor(web)));
    assert.notEqual(buildCacheVolumeFor(web, '.next'), buildCacheVolumeFor(other, '.next'));
    assert.match(buildCacheVolumeFor(web, '.svelte-kit'), /^preview-cache-web-[0-9a-f]{8}-svelte-kit$/);
  });

  it('a release removes every volume of the app whatever its stack is today, never the shared package cache', () => {
    const web = makeAppRef('/ws/apps/web', '/ws');
    const volumes = appVolumesFor(web);
    assert.deepEqual(volumes, [dependencyVolumeFor(web), ...BUILD_CACHE_DIRS.map((dir) => buildCacheVolumeFor(web, dir))]);
    assert.ok(!volumes.includes('preview-pkg-cache'));
  });

  it('the source mirror never copies nor deletes these folders (the volume is the container’s own)', () => {
    for (const dir of BUILD_CACHE_DIRS) {
      assert.ok(SKIPPED_TOP_LEVEL.includes(dir), `${dir} is skipped by the mirror`);
    }
  });

  it('a zero-config Next.js app mounts its .next volume under /app, beside node_modules and the shared cache', async () => {
    const { app, launch } = launchOf(NEXT_APP);
    assert.deepEqual(launch.volumes, [
      { name: buildCacheVolumeFor(app, '.next'), containerPath: '/app/.next' },
      { name: 'preview-pkg-cache', containerPath: '/var/cache/preview-pkg' },
    ]);
    const args = buildRunArgs({ lease: await leaseFor(app.folder), name: 'n', image: 'img', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {}, volumes: launch.volumes, ...(launch.dependencyVolume ? { dependencyVolume: launch.dependencyVolume } : {}) });
    assert.ok(args.includes(`${buildCacheVolumeFor(app, '.next')}:/app/.next`), args.join(' '));
  });

  it('each stack gets its own folder; stacks without one (Vite, plain Node) and explicit commands get none', () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ scripts: { dev: 'vite dev' }, devDependencies: { '@sveltejs/kit': '^2.63.0', vite: '^8.0.0' } }, ['/app/.svelte-kit']],
      [{ scripts: { start: 'ng serve' }, dependencies: { '@angular/core': '^20.3.0' }, devDependencies: { '@angular/cli': '^20.3.0' } }, ['/app/.angular']],
      [{ scripts: { start: 'docusaurus start' }, dependencies: { '@docusaurus/core': '3.10.2' } }, ['/app/.docusaurus']],
      [{ scripts: { dev: 'nuxt dev' }, dependencies: { nuxt: '^4.0.0' } }, ['/app/.nuxt']],
      [{ scripts: { dev: 'astro dev' }, dependencies: { astro: '^5.0.0' } }, ['/app/.astro']],
      [{ scripts: { dev: 'vite' }, devDependencies: { vite: '^8.0.0' } }, []],
      [{ scripts: { start: 'node server.js' }, dependencies: { express: '^4.0.0' } }, []],
    ];
    for (const [pkg, paths] of cases) {
      const { launch } = launchOf(pkg);
      assert.deepEqual(launch.volumes.map((v) => v.containerPath).filter((p) => p.startsWith('/app/')), paths, JSON.stringify(pkg));
    }
    assert.deepEqual(launchOf(NEXT_APP, { path: '/ws/apps/web', command: 'npm run dev' }).launch.volumes.map((v) => v.containerPath), ['/var/cache/preview-pkg']);
  });
});
