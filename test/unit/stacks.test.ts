import * as assert from 'node:assert/strict';
import { parsePackageJson, resolveAppConfig, type FolderInfo } from '../../src/core/appFolder';
import { planLaunch, type Stack } from '../../src/core/launchPlan';
import { proxiedHostsOf } from '../../src/core/proxiedHosts';
import { readSettings } from '../../src/core/settings';

function folder(pkg: Record<string, unknown>, files: string[] = []): FolderInfo {
  return { pkg: parsePackageJson(JSON.stringify(pkg)), hasNodeModules: false, files: new Set(['package.json', ...files]) };
}

/** The argv that finally runs (after the install wrapper). */
function runPart(command: readonly string[]): readonly string[] {
  return command[0] === 'sh' && command[1] === '-c' ? command.slice(4) : command;
}

function plan(info: FolderInfo, allowedHosts: string[] = []) {
  return planLaunch(info, { fallbackPort: 3000, image: 'localhost/preview-node:test', allowedHosts });
}

describe('zero-config stacks (package.json as the templates write them)', () => {
  const cases: [string, Record<string, unknown>, Stack, number, string[], Record<string, string>?][] = [
    [
      'Angular CLI (ng new): `start` is `ng serve`, which listens on localhost:4200 unless told',
      { scripts: { ng: 'ng', start: 'ng serve', build: 'ng build' }, dependencies: { '@angular/core': '^20.3.0' }, devDependencies: { '@angular/cli': '^20.3.0', '@angular/build': '^20.3.0' } },
      'angular',
      4200,
      ['npm', 'run', 'start', '--', '--host', '0.0.0.0', '--port', '4200'],
      { NG_CLI_ANALYTICS: 'false' },
    ],
    [
      'React Router v7 (Vite-based)',
      { scripts: { build: 'react-router build', dev: 'react-router dev', start: 'react-router-serve ./build/server/index.js' }, dependencies: { 'react-router': '^7.9.0' }, devDependencies: { '@react-router/dev': '^7.9.0', vite: '^7.1.0' } },
      'react-router',
      5173,
      ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '5173', '--strictPort'],
    ],
    [
      'Remix 2 on Vite',
      { scripts: { dev: 'remix vite:dev', build: 'remix vite:build' }, dependencies: { '@remix-run/react': '^2.15.0' }, devDependencies: { '@remix-run/dev': '^2.15.0', vite: '^5.4.0' } },
      'remix',
      5173,
      ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '5173', '--strictPort'],
    ],
    [
      'Docusaurus: `start` is `docusaurus start`',
      { scripts: { docusaurus: 'docusaurus', start: 'docusaurus start', build: 'docusaurus build' }, dependencies: { '@docusaurus/core': '3.9.2', react: '^19.0.0' } },
      'docusaurus',
      3000,
      ['npm', 'run', 'start', '--', '--host', '0.0.0.0', '--port', '3000', '--no-open'],
    ],
    [
      'Gatsby: `start` is `gatsby develop`',
      { scripts: { develop: 'gatsby develop', start: 'gatsby develop', build: 'gatsby build' }, dependencies: { gatsby: '^5.14.0' } },
      'gatsby',
      8000,
      ['npm', 'run', 'start', '--', '-H', '0.0.0.0', '-p', '8000'],
      { GATSBY_TELEMETRY_DISABLED: '1' },
    ],
    [
      'Storybook package (no dev script): its `storybook` script; our -p comes after its own and wins',
      { scripts: { storybook: 'storybook dev -p 6006', 'build-storybook': 'storybook build' }, devDependencies: { storybook: '^9.1.0', '@storybook/react-vite': '^9.1.0', vite: '^7.0.0' } },
      'storybook',
      6006,
      ['npm', 'run', 'storybook', '--', '--host', '0.0.0.0', '-p', '6006', '--ci'],
      { STORYBOOK_DISABLE_TELEMETRY: '1' },
    ],
    [
      'Vue CLI: its `serve` script',
      { scripts: { serve: 'vue-cli-service serve', build: 'vue-cli-service build' }, dependencies: { vue: '^3.2.13' }, devDependencies: { '@vue/cli-service': '~5.0.0' } },
      'vue-cli',
      8080,
      ['npm', 'run', 'serve', '--', '--host', '0.0.0.0', '--port', '8080'],
    ],
    [
      'Parcel with an entry in the script',
      { scripts: { start: 'parcel src/index.html' }, devDependencies: { parcel: '^2.12.0' } },
      'parcel',
      1234,
      ['npm', 'run', 'start', '--', '--host', '0.0.0.0', '--port', '1234'],
    ],
    [
      'webpack-dev-server through `webpack serve`',
      { scripts: { dev: 'webpack serve --mode development' }, devDependencies: { webpack: '^5.90.0', 'webpack-cli': '^5.1.0', 'webpack-dev-server': '^5.0.0' } },
      'webpack-dev-server',
      8080,
      ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '8080'],
    ],
    [
      'webpack-dev-server called directly',
      { scripts: { start: 'webpack-dev-server --open' }, devDependencies: { 'webpack-dev-server': '^4.15.0' } },
      'webpack-dev-server',
      8080,
      ['npm', 'run', 'start', '--', '--host', '0.0.0.0', '--port', '8080'],
    ],
    [
      'create-vite qwik template: plain Vite',
      { scripts: { dev: 'vite', build: 'vite build', preview: 'serve dist' }, devDependencies: { serve: '^14.2.6', vite: '^8.3.4' }, dependencies: { '@builder.io/qwik': '^1.20.2' } },
      'vite',
      5173,
      ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '5173', '--strictPort'],
    ],
    [
      'Vite app with Storybook beside it: the dev script (Vite) wins',
      { scripts: { dev: 'vite', storybook: 'storybook dev -p 6006' }, devDependencies: { vite: '^7.0.0', storybook: '^9.1.0' } },
      'vite',
      5173,
      ['npm', 'run', 'dev', '--', '--host', '0.0.0.0', '--port', '5173', '--strictPort'],
    ],
    [
      'AI-builder scaffold: Vite pins `server: { host: "::", port: 8080 }` in its config; our flags on the command line win',
      { scripts: { dev: 'vite', build: 'vite build' }, devDependencies: { vite: '^5.4.1', '@vitejs/plugin-react-swc': '^3.5.0' } },
      'vite',
      5173,
      ['pnpm', 'run', 'dev', '--host', '0.0.0.0', '--port', '5173', '--strictPort'],
    ],
  ];
  for (const [what, pkg, stack, port, run, env] of cases) {
    it(what, () => {
      const files = what.startsWith('AI-builder') ? ['pnpm-lock.yaml', 'vite.config.ts'] : [];
      const p = plan(folder(pkg, files));
      assert.equal(p.stack, stack);
      assert.equal(p.containerPort, port);
      assert.deepEqual(runPart(p.command), run);
      const own = Object.fromEntries(Object.entries(p.env).filter(([k]) => !/^(npm_config_cache|PREVIEW_CONTAINERS_PM|YARN_|BUN_)/.test(k)));
      assert.deepEqual(own, env ?? {});
    });
  }

  it('a containerPort override reaches the new stacks too', () => {
    const p = planLaunch(folder({ scripts: { start: 'ng serve' }, devDependencies: { '@angular/cli': '^20.0.0' } }), { fallbackPort: 3000, image: 'x', portOverride: 4300 });
    assert.equal(p.containerPort, 4300);
    assert.deepEqual(runPart(p.command).slice(-4), ['--host', '0.0.0.0', '--port', '4300']);
  });

  it('an Angular start script that is not `ng serve` gets no flags (they would not reach a dev server)', () => {
    const p = plan(folder({ scripts: { start: 'node dist/server/server.mjs' }, dependencies: { '@angular/core': '^20.0.0' } }));
    assert.equal(p.stack, 'node');
    assert.match(p.notes.join(' '), /does not call angular/);
  });
});

describe('proxied host names the dev servers must accept', () => {
  it('code-server --proxy-domain (VSCODE_PROXY_URI as code-server sets it, and as users write it)', () => {
    assert.deepEqual(proxiedHostsOf({ VSCODE_PROXY_URI: '//{{port}}.code.example.test' }), ['.code.example.test']);
    assert.deepEqual(proxiedHostsOf({ VSCODE_PROXY_URI: 'https://{{port}}.code.example.test/' }), ['.code.example.test']);
    assert.deepEqual(proxiedHostsOf({ VSCODE_PROXY_URI: 'https://code-{{port}}.dev.example.test:8443/' }), ['.dev.example.test']);
  });

  it('patterns that name no fixed domain, path proxies and single labels give nothing', () => {
    assert.deepEqual(proxiedHostsOf({ VSCODE_PROXY_URI: '//{{port}}.{{host}}' }), []);
    assert.deepEqual(proxiedHostsOf({ VSCODE_PROXY_URI: './proxy/{{port}}' }), []);
    assert.deepEqual(proxiedHostsOf({ VSCODE_PROXY_URI: '//{{port}}.localhost' }), []);
    assert.deepEqual(proxiedHostsOf({ VSCODE_PROXY_URI: '//{{port}}.a.b;touch x' }), []);
    assert.deepEqual(proxiedHostsOf({}), []);
  });

  it('Codespaces and Gitpod', () => {
    assert.deepEqual(proxiedHostsOf({ CODESPACES: 'true', GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN: 'app.github.dev' }), ['.app.github.dev']);
    assert.deepEqual(proxiedHostsOf({ GITPOD_WORKSPACE_URL: 'https://user-repo-abc123.ws-eu117.gitpod.io' }), ['.ws-eu117.gitpod.io']);
  });

  it('reach Vite-based stacks through __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS and webpack-dev-server through --allowed-hosts', () => {
    const vite = plan(folder({ scripts: { dev: 'vite' }, devDependencies: { vite: '^7.0.0' } }), ['.code.example.test']);
    assert.equal(vite.env.__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS, '.code.example.test');
    const wds = plan(folder({ scripts: { dev: 'webpack serve' }, devDependencies: { 'webpack-dev-server': '^5.0.0' } }), ['.code.example.test']);
    assert.deepEqual(runPart(wds.command).slice(-2), ['--allowed-hosts', '.code.example.test']);
    const two = plan(folder({ scripts: { dev: 'vite' }, devDependencies: { vite: '^7.0.0' } }), ['.a.example', '.b.example']);
    assert.equal(two.env.__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS, '.a.example', 'Vite 6.1–7 take one value');
    assert.match(two.notes.join(' '), /one extra host/);
  });

  it('resolveAppConfig takes them from the extension host environment and mounts the shared package cache', () => {
    const settings = readSettings((name) => ({ packageCacheVolume: 'pc-test-cache' })[name]);
    const config = resolveAppConfig(settings, undefined, folder({ scripts: { dev: 'vite' }, devDependencies: { vite: '^7.0.0' } }), { VSCODE_PROXY_URI: '//{{port}}.code.example.test' });
    assert.equal(config.env.__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS, '.code.example.test');
    assert.deepEqual(config.volumes, [{ name: 'pc-test-cache', containerPath: '/var/cache/preview-pkg' }]);
    const none = resolveAppConfig(readSettings((name) => ({ packageCacheVolume: '' })[name]), undefined, folder({ scripts: { start: 'node .' } }), {});
    assert.deepEqual(none.volumes, []);
    assert.deepEqual(resolveAppConfig(readSettings(() => undefined), undefined, folder({}), {}).volumes, [{ name: 'preview-pkg-cache', containerPath: '/var/cache/preview-pkg' }]);
  });
});

describe('a monorepo workspace member (installed at the workspace root, run in its folder)', () => {
  const member = folder({ name: 'web', scripts: { dev: 'vite' }, dependencies: { '@repo/ui': 'workspace:*', vite: '^6' } });
  const root = (files: string[], pkg: Record<string, unknown> = { private: true, devDependencies: { turbo: '^2' } }): FolderInfo => folder(pkg, files);
  const planFor = (rootInfo: FolderInfo, info = member) =>
    planLaunch(info, { fallbackPort: 3000, image: 'localhost/preview-node:test', workspace: { membership: { root: '/ws', member: 'apps/web', declaredBy: 'pnpm-workspace.yaml' }, rootInfo } });

  it('takes the package manager from the root (its lockfile), installs at /app with its own stamp, then runs the member’s dev server', () => {
    const p = planFor(root(['pnpm-lock.yaml', 'pnpm-workspace.yaml']));
    assert.equal(p.stack, 'vite');
    assert.equal(p.packageManager, 'pnpm');
    const script = p.command[2] ?? '';
    assert.match(script, /\(cd \/app && pnpm install --frozen-lockfile /);
    assert.match(script, /\[ \/app\/pnpm-lock\.yaml -nt \/app\/node_modules\/\.preview-containers-workspace-installed \]/);
    assert.match(script, /\[ package\.json -nt /, 'the member’s own package.json counts too');
    assert.match(script, /elif \[ ! -e \/tmp\/\.preview-containers-workspace-linked \]; then \(cd \/app && pnpm install/, 'a new container links again');
    assert.deepEqual(runPart(p.command), ['pnpm', 'run', 'dev', '--host', '0.0.0.0', '--port', '5173', '--strictPort']);
    assert.ok(p.notes.some((n) => n.includes('apps/web')), p.notes.join(' | '));
  });

  it('npm: a full `npm ci` when stale, a non-destructive `npm install` to link in a new container', () => {
    const script = planFor(root(['package-lock.json'])).command[2] ?? '';
    assert.match(script, /then \(cd \/app && npm ci /);
    assert.match(script, /elif .* then \(cd \/app && npm install --prefer-offline/);
  });

  it('installs when only the root has dependencies; a pnpm workspace without a lockfile yet is pnpm’s', () => {
    const bare = folder({ name: 'web', scripts: { start: 'node server.js' } });
    const p = planFor(root(['pnpm-workspace.yaml']), bare);
    assert.equal(p.packageManager, 'pnpm');
    assert.ok(p.installDependencies);
    assert.doesNotMatch(p.command[2] ?? '', /--frozen-lockfile/);
  });
});

describe('servers that pick their own address', () => {
  it('fastify-cli (`fastify start`) is told to listen on all interfaces (it would take localhost under podman)', () => {
    const p = plan(folder({ name: 'api', scripts: { dev: 'fastify start -w -l info -P app.js' }, dependencies: { fastify: '^5', 'fastify-cli': '^7' } }));
    assert.equal(p.stack, 'node');
    assert.equal(p.env.FASTIFY_ADDRESS, '0.0.0.0');
    assert.equal(plan(folder({ name: 'api', scripts: { start: 'node server.js' }, dependencies: { fastify: '^5' } })).env.FASTIFY_ADDRESS, undefined);
  });
});
