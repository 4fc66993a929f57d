import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { discoverApps, type DiscoveryFs } from '../../src/core/appDiscovery';
import type { SettingsError } from '../../src/core/errors';

/** An in-memory tree: paths of files (folders are implied). */
function memoryFs(files: Record<string, string>): DiscoveryFs {
  const all = Object.keys(files);
  return {
    subfolders: async (folder) => {
      const prefix = folder.endsWith('/') ? folder : `${folder}/`;
      const names = new Set<string>();
      for (const file of all) {
        if (file.startsWith(prefix)) {
          const rest = file.slice(prefix.length).split('/');
          if (rest.length > 1 && rest[0]) {
            names.add(rest[0]);
          }
        }
      }
      return [...names];
    },
    readText: async (file) => files[file],
    exists: async (file) => file in files,
  };
}

const pkg = (name: string, extra: object = {}): string => JSON.stringify({ name, ...extra });

describe('app discovery', () => {
  it('finds the root app, direct sub-folders and apps/* / packages/*, never node_modules or hidden folders', async () => {
    const io = memoryFs({
      '/ws/package.json': pkg('root-app'),
      '/ws/api/package.json': pkg('api'),
      '/ws/apps/web/package.json': pkg('@acme/web'),
      '/ws/apps/admin/package.json': pkg('admin'),
      '/ws/packages/ui/package.json': pkg('ui'),
      '/ws/node_modules/react/package.json': pkg('react'),
      '/ws/.cache/thing/package.json': pkg('hidden'),
      '/ws/api/node_modules/x/package.json': pkg('x'),
      '/ws/deep/a/b/package.json': pkg('too-deep'),
    });
    const apps = await discoverApps([{ name: 'ws', path: '/ws' }], [], io);
    assert.deepEqual(apps.map((a) => [a.ref.appId, a.ref.name]).sort(), [
      ['api', 'api'],
      ['apps-admin', 'admin'],
      ['apps-web', '@acme/web'],
      ['packages-ui', 'ui'],
      ['ws', 'root-app'],
    ]);
  });

  it('skips a monorepo root (workspaces / pnpm-workspace.yaml) that has apps below it', async () => {
    const io = memoryFs({
      '/mono/package.json': pkg('mono', { workspaces: ['apps/*'] }),
      '/mono/apps/web/package.json': pkg('web'),
      '/p/package.json': pkg('p'),
      '/p/pnpm-workspace.yaml': 'packages: []',
      '/p/packages/site/package.json': pkg('site'),
    });
    assert.deepEqual((await discoverApps([{ name: 'mono', path: '/mono' }], [], io)).map((a) => a.ref.appId), ['apps-web']);
    assert.deepEqual((await discoverApps([{ name: 'p', path: '/p' }], [], io)).map((a) => a.ref.appId), ['packages-site']);
  });

  it('adds explicit entries (even without package.json) and attaches overrides', async () => {
    const io = memoryFs({ '/ws/apps/web/package.json': pkg('web') });
    const apps = await discoverApps([{ name: 'ws', path: '/ws' }], [{ path: 'static-site', name: 'Static', command: 'npx serve' }, { path: 'apps/web', containerPort: 5173 }], io);
    const stat = apps.find((a) => a.ref.key === path.resolve('/ws/static-site'));
    assert.equal(stat?.ref.name, 'Static');
    assert.equal(stat?.override?.command, 'npx serve');
    assert.equal(apps.find((a) => a.ref.appId === 'apps-web')?.override?.containerPort, 5173);
    assert.equal(apps.length, 2);
  });

  it('refuses apps[].path entries outside the workspace ("/", "../..", a symlink out), naming each entry; keeps the others', async () => {
    const io = { ...memoryFs({ '/ws/apps/web/package.json': pkg('web') }), realpath: async (file: string) => (file === '/ws/link' ? '/etc' : path.resolve(file)) };
    const problems: SettingsError[] = [];
    const apps = await discoverApps([{ name: 'ws', path: '/ws' }], [{ path: '/' }, { path: '../..' }, { path: 'link' }, { path: 'apps/web', name: 'Web' }, { path: '/ws/apps/web' }], io, (p) => problems.push(p));
    assert.deepEqual([...new Set(apps.map((a) => a.ref.key))], [path.resolve('/ws/apps/web')]);
    assert.deepEqual(problems.map((p) => p.setting), ['previewContainers.apps[0].path', 'previewContainers.apps[1].path', 'previewContainers.apps[2].path']);
    assert.match(problems[0]?.message ?? '', /Setting "previewContainers\.apps\[0\]\.path" is invalid: "\/" lies outside the workspace folders\. An app folder must be inside the workspace; the entry is ignored\./);
    assert.match(problems[2]?.message ?? '', /"link" resolves to \/etc, outside the workspace folders/);
  });

  it('keeps appIds unique across the roots of a multi-root workspace', async () => {
    const io = memoryFs({ '/a/web/package.json': pkg('web'), '/b/web/package.json': pkg('web') });
    const apps = await discoverApps(
      [
        { name: 'shop', path: '/a' },
        { name: 'blog', path: '/b' },
      ],
      [],
      io,
    );
    assert.deepEqual(apps.map((a) => a.ref.appId).sort(), ['blog-web', 'shop-web']);
    assert.notEqual(apps[0]?.ref.key, apps[1]?.ref.key);
  });

  it('finds nothing in an empty workspace', async () => {
    assert.deepEqual(await discoverApps([{ name: 'e', path: '/e' }], [], memoryFs({})), []);
    assert.deepEqual(await discoverApps([], [], memoryFs({})), []);
  });
});
