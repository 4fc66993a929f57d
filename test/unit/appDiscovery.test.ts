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
    const dev = { scripts: { dev: 'vite' } };
    const io = memoryFs({
      '/mono/package.json': pkg('mono', { workspaces: ['apps/*'] }),
      '/mono/apps/web/package.json': pkg('web', dev),
      '/p/package.json': pkg('p'),
      '/p/pnpm-workspace.yaml': 'packages: []',
      '/p/packages/site/package.json': pkg('site', { scripts: { start: 'node server.js' } }),
    });
    assert.deepEqual((await discoverApps([{ name: 'mono', path: '/mono' }], [], io)).map((a) => a.ref.appId), ['apps-web']);
    assert.deepEqual((await discoverApps([{ name: 'p', path: '/p' }], [], io)).map((a) => a.ref.appId), ['packages-site']);
  });

  it('inside a monorepo, a package without a runnable script (a library: packages/ui, eslint-config) is not an app; Storybook and Dockerfiles are', async () => {
    const io = memoryFs({
      '/t/package.json': pkg('turbo-root', { private: true, scripts: { dev: 'turbo run dev' } }),
      '/t/turbo.json': '{}',
      '/t/apps/web/package.json': pkg('web', { scripts: { dev: 'next dev --port 3000' } }),
      '/t/apps/docs/package.json': pkg('docs', { scripts: { dev: 'next dev --port 3001' } }),
      '/t/packages/ui/package.json': pkg('@repo/ui', { scripts: { lint: 'eslint .' } }),
      '/t/packages/eslint-config/package.json': pkg('@repo/eslint-config'),
      '/t/packages/kit/package.json': pkg('@repo/kit', { scripts: { storybook: 'storybook dev -p 6006' } }),
      '/t/packages/api/package.json': pkg('@repo/api'),
      '/t/packages/api/Dockerfile': 'FROM x',
      '/t/tools/package.json': pkg('tools', { scripts: { build: 'tsc' } }),
    });
    assert.deepEqual((await discoverApps([{ name: 't', path: '/t' }], [], io)).map((a) => a.ref.appId).sort(), ['apps-docs', 'apps-web', 'packages-api', 'packages-kit']);
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

describe('app discovery: Dockerfile apps', () => {
  const ws = [{ name: 'ws', path: '/ws' }];
  const own = (folder: string, file = 'Dockerfile') => ({ kind: 'dockerfile', dockerfile: `${folder}/${file}`, context: folder, target: undefined, buildArgs: {}, mountSource: false });

  it('finds folders with a Dockerfile or Containerfile where package.json apps are found, with or without package.json', async () => {
    const io = memoryFs({
      '/ws/Dockerfile': 'FROM scratch',
      '/ws/api/Dockerfile': 'FROM python',
      '/ws/services/worker/Containerfile': 'FROM golang',
      '/ws/apps/web/package.json': pkg('web'),
      '/ws/node_modules/x/Dockerfile': 'FROM x',
      '/ws/.devcontainer/Dockerfile': 'FROM y',
      '/ws/deep/a/Dockerfile': 'FROM too-deep',
    });
    const apps = await discoverApps(ws, [], io);
    assert.deepEqual(
      apps.map((a) => [a.ref.appId, a.ref.name, a.launch?.kind]),
      [
        ['api', 'api', 'dockerfile'],
        ['apps-web', 'web', 'node'],
        ['services-worker', 'worker', 'dockerfile'],
        ['ws', 'ws', 'dockerfile'],
      ],
    );
    assert.deepEqual(apps.find((a) => a.ref.appId === 'services-worker')?.launch, own('/ws/services/worker', 'Containerfile'));
    assert.deepEqual(apps.find((a) => a.ref.appId === 'api')?.launch, own('/ws/api'));
  });

  it('the Dockerfile wins over package.json; a folder with both files keeps the package name; Containerfile before Dockerfile', async () => {
    const io = memoryFs({ '/ws/shop/package.json': pkg('@acme/shop'), '/ws/shop/Dockerfile': 'FROM node', '/ws/both/Containerfile': 'FROM a', '/ws/both/Dockerfile': 'FROM b' });
    const apps = await discoverApps(ws, [], io);
    assert.deepEqual(apps.find((a) => a.ref.appId === 'shop')?.launch, own('/ws/shop'));
    assert.equal(apps.find((a) => a.ref.appId === 'shop')?.ref.name, '@acme/shop');
    assert.deepEqual(apps.find((a) => a.ref.appId === 'both')?.launch, own('/ws/both', 'Containerfile'));
  });

  it('apps[].launch "node" keeps a folder with both a Node app; "dockerfile" and the build fields make a Dockerfile app', async () => {
    const io = memoryFs({
      '/ws/shop/package.json': pkg('shop'),
      '/ws/shop/Dockerfile': 'FROM node',
      '/ws/api/Dockerfile.dev': 'FROM python',
      '/ws/api/pyproject.toml': '',
      '/ws/docker/web.Dockerfile': 'FROM x',
      '/ws/web/index.html': '',
    });
    const apps = await discoverApps(
      ws,
      [
        { path: 'shop', launch: 'node' },
        { path: 'api', dockerfile: 'Dockerfile.dev', target: 'dev', buildArgs: { PYTHON: '3.12' }, mountSource: true },
        { path: 'web', dockerfile: '../docker/web.Dockerfile', context: '..' },
      ],
      io,
    );
    assert.deepEqual(apps.find((a) => a.ref.appId === 'shop')?.launch, { kind: 'node' });
    assert.deepEqual(apps.find((a) => a.ref.appId === 'api')?.launch, {
      kind: 'dockerfile',
      dockerfile: '/ws/api/Dockerfile.dev',
      context: '/ws/api',
      target: 'dev',
      buildArgs: { PYTHON: '3.12' },
      mountSource: true,
      roots: ['/ws'],
    });
    assert.deepEqual(apps.find((a) => a.ref.appId === 'web')?.launch, {
      kind: 'dockerfile',
      dockerfile: '/ws/docker/web.Dockerfile',
      context: '/ws',
      target: undefined,
      buildArgs: {},
      mountSource: false,
      roots: ['/ws'],
    });
    assert.equal(apps.find((a) => a.ref.appId === 'web')?.override?.context, '..');
  });

  it('an entry without a Dockerfile and without launch stays a Node app (build fields alone do not make one)', async () => {
    const io = memoryFs({ '/ws/site/package.json': pkg('site') });
    const apps = await discoverApps(ws, [{ path: 'site', target: 'dev', mountSource: true }], io);
    assert.deepEqual(apps.map((a) => a.launch), [{ kind: 'node' }]);
  });

  it('refuses Dockerfiles and contexts outside the workspace, or missing, naming the field; the entry is ignored, others kept', async () => {
    const io = {
      ...memoryFs({ '/ws/api/Dockerfile': 'FROM python', '/ws/ok/Dockerfile': 'FROM x', '/ws/link/Dockerfile': 'FROM y' }),
      realpath: async (file: string) => (file.startsWith('/ws/link') ? `/etc${file.slice('/ws/link'.length)}` : file.startsWith('/ws/missing') ? undefined : path.resolve(file)),
    };
    const problems: SettingsError[] = [];
    const apps = await discoverApps(
      ws,
      [
        { path: 'api', dockerfile: '/etc/Dockerfile' },
        { path: 'api', context: '../..' },
        { path: 'api', dockerfile: '../link/Dockerfile' },
        { path: 'api', dockerfile: 'Nope.Dockerfile' },
        { path: 'api', context: '../link' },
        { path: 'ok', launch: 'dockerfile' },
      ],
      io,
      (p) => problems.push(p),
    );
    assert.deepEqual(
      problems.map((p) => p.setting),
      ['previewContainers.apps[0].dockerfile', 'previewContainers.apps[1].context', 'previewContainers.apps[2].dockerfile', 'previewContainers.apps[3].dockerfile', 'previewContainers.apps[4].context'],
    );
    assert.match(problems[0]?.message ?? '', /"\/etc\/Dockerfile" lies outside the workspace folders\. A Dockerfile must be inside the workspace; the entry is ignored\./);
    assert.match(problems[1]?.message ?? '', /"\.\.\/\.\." lies outside the workspace folders\. A build context must be inside the workspace/);
    assert.match(problems[2]?.message ?? '', /resolves to \/etc\/Dockerfile, outside the workspace folders/);
    assert.match(problems[3]?.message ?? '', /"Nope\.Dockerfile" does not exist/);
    // The folders themselves are still found by discovery, with their own Dockerfiles and no override.
    const api = apps.find((a) => a.ref.appId === 'api');
    assert.equal(api?.override, undefined);
    assert.deepEqual(api?.launch, own('/ws/api'));
    assert.deepEqual(apps.find((a) => a.ref.appId === 'ok')?.launch, { ...own('/ws/ok'), roots: ['/ws'] }, 'an apps[] entry: its folders travel with it');
  });

  it('launch "dockerfile" on a folder without one is a problem named after launch', async () => {
    const problems: SettingsError[] = [];
    const apps = await discoverApps(ws, [{ path: 'site', launch: 'dockerfile' }], memoryFs({ '/ws/site/package.json': pkg('site') }), (p) => problems.push(p));
    assert.deepEqual(problems.map((p) => p.setting), ['previewContainers.apps[0].launch']);
    assert.match(problems[0]?.message ?? '', /it is "dockerfile", but \/ws\/site has no Containerfile or Dockerfile: set previewContainers\.apps\[0\]\.dockerfile/);
    assert.deepEqual(apps.map((a) => [a.ref.appId, a.launch?.kind, a.override]), [['site', 'node', undefined]]);
  });
});
