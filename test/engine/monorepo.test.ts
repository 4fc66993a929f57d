import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeAppRef, type AppRef } from '../../src/core/appIdentity';
import { appVolumesFor } from '../../src/core/buildCache';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { requireTestDockerd } from '../harness/dockerd';
import { ENGINE_VARIANTS, fetchText, makeController, realEngine, TestWorkspace } from './helpers';

/** A server that answers with its app's name and what the workspace package `@repo/ui` says. */
const SERVER = `const ui = require('@repo/ui');
const name = require('./package.json').name;
require('http').createServer((req, res) => res.end(name + ': ' + ui.greeting())).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), text);
  }
}

/** Every path under `root` named node_modules or a lockfile: what an install would have written on the host. */
async function installTraces(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(root, { recursive: true })) {
    if (/(^|\/)(node_modules|package-lock\.json|pnpm-lock\.yaml|yarn\.lock|bun\.lockb?|\.pnp\.cjs)$/.test(String(entry))) {
      found.push(String(entry));
    }
  }
  return found;
}

/**
 * Monorepo apps: a member of an npm or pnpm workspace depends on its sibling packages (`*`,
 * `workspace:*`), which only install from the workspace root. The start copies the root, installs
 * there, runs the member's command in its folder; the host's folders get nothing written.
 * Host ports 37900–37909 (docker: +4400); npm's test uses 37900–37904, the others one port each from 37905.
 */
for (const { kind, portOffset } of ENGINE_VARIANTS) {
  describe(`monorepo workspace members on a real engine (${kind})`, function () {
    this.timeout(600_000);
    let engine: ContainerEngine;
    let workspace: TestWorkspace;
    const refs: AppRef[] = [];

    before(async function () {
      if (kind === 'docker') {
        requireTestDockerd(this, { network: true }); // pnpm comes from the npm registry
      }
      engine = await realEngine(this, kind);
      workspace = await TestWorkspace.create('pc-monorepo');
    });

    after(async () => {
      for (const ref of refs) {
        await engine?.removeVolumes(appVolumesFor(ref));
      }
      await workspace?.cleanUp(engine);
    });

    it('npm workspaces: two members that require a sibling package run side by side; a warm start links without a full install; an edit to the sibling reaches a restart', async () => {
      const root = path.join(workspace.root, 'npm-mono');
      await write(root, {
        'package.json': JSON.stringify({ name: 'npm-mono', private: true, workspaces: ['apps/*', 'packages/*'] }),
        'packages/ui/package.json': JSON.stringify({ name: '@repo/ui', version: '1.0.0', main: 'index.js' }),
        'packages/ui/index.js': "exports.greeting = () => 'hello from ui';\n",
        'apps/web/package.json': JSON.stringify({ name: 'web', version: '1.0.0', scripts: { start: 'node server.js' }, dependencies: { '@repo/ui': '*' } }),
        'apps/web/server.js': SERVER,
        'apps/admin/package.json': JSON.stringify({ name: 'admin', version: '1.0.0', scripts: { start: 'node server.js' }, dependencies: { '@repo/ui': '*' } }),
        'apps/admin/server.js': SERVER,
      });
      const web = makeAppRef(path.join(root, 'apps', 'web'), workspace.root, 'web');
      const admin = makeAppRef(path.join(root, 'apps', 'admin'), workspace.root, 'admin');
      refs.push(web, admin);
      const { controller, logger } = makeController(engine, { start: 37900 + portOffset, end: 37909 + portOffset, settings: { startupTimeoutSeconds: 180 } });
      const [a, b] = await Promise.all([controller.run({ ref: web }), controller.run({ ref: admin })]);
      assert.notEqual(a.port, b.port);
      assert.equal(await fetchText(a.url), 'web: hello from ui');
      assert.equal(await fetchText(b.url), 'admin: hello from ui');
      assert.ok(
        logger.lines.some((l) => l.message.includes(`Starting ${web.appId}:`) && l.message.includes('workspace member apps/web (package.json workspaces)')),
        logger.lines.map((l) => l.message).join('\n'),
      );

      await controller.stop(web);
      await fs.writeFile(path.join(root, 'packages', 'ui', 'index.js'), "exports.greeting = () => 'edited ui';\n");
      const warm = await controller.run({ ref: web });
      assert.equal(warm.port, a.port, 'sticky');
      assert.equal(await fetchText(warm.url), 'web: edited ui');
      const logs = (await engine.logs(warm.containerId, 100)).join('\n');
      assert.doesNotMatch(logs, /added \d+ packages/, `a warm start only links (the root's node_modules is in the volume):\n${logs}`);
      assert.deepEqual(await installTraces(root), [], 'nothing was installed into the host folders');
      await controller.release(web);
      await controller.release(admin);
    });

    const managers: { id: string; root: object; files: Record<string, string>; plan: string; declaredBy: string }[] = [
      { id: 'pnpm', root: { name: 'pnpm-mono', private: true }, files: { 'pnpm-workspace.yaml': "packages:\n  - 'apps/*'\n  - 'packages/*'\n" }, plan: 'pnpm', declaredBy: 'pnpm-workspace.yaml' },
      // yarn berry (Plug'n'Play: .pnp.cjs at the root of the copy) and bun: podman only, for time.
      ...(kind === 'podman'
        ? [
            { id: 'yarn', root: { name: 'yarn-mono', private: true, packageManager: 'yarn@4.18.1', workspaces: ['apps/*', 'packages/*'] }, files: {}, plan: 'yarn', declaredBy: 'package.json workspaces' },
            { id: 'bun', root: { name: 'bun-mono', private: true, packageManager: 'bun@1.4.5', workspaces: ['apps/*', 'packages/*'] }, files: {}, plan: 'bun', declaredBy: 'package.json workspaces' },
          ]
        : []),
    ];
    for (const [index, manager] of managers.entries()) {
      it(`${manager.id} workspace: \`workspace:*\` resolves; a new container links its members again (pnpm keeps links in each package, berry writes .pnp.cjs at the root)`, async () => {
        const root = path.join(workspace.root, `${manager.id}-mono`);
        await write(root, {
          'package.json': JSON.stringify(manager.root),
          ...manager.files,
          'packages/ui/package.json': JSON.stringify({ name: '@repo/ui', version: '1.0.0', main: 'index.js' }),
          'packages/ui/index.js': "exports.greeting = () => 'hello from ui';\n",
          'apps/web/package.json': JSON.stringify({ name: 'web', version: '1.0.0', scripts: { start: 'node server.js' }, dependencies: { '@repo/ui': 'workspace:*' } }),
          'apps/web/server.js': SERVER,
        });
        const web = makeAppRef(path.join(root, 'apps', 'web'), workspace.root, 'web');
        refs.push(web);
        const port = 37905 + index + portOffset;
        const { controller, logger } = makeController(engine, { start: port, end: port, settings: { startupTimeoutSeconds: 300 } });
        const first = await controller.run({ ref: web });
        assert.equal(await fetchText(first.url), 'web: hello from ui');
        const starting = logger.lines.find((l) => l.message.startsWith(`Starting ${web.appId}:`))?.message ?? '';
        assert.ok(starting.includes(`node (${manager.plan}); workspace member apps/web (${manager.declaredBy})`), starting);
        await controller.stop(web);
        const warm = await controller.run({ ref: web });
        assert.equal(await fetchText(warm.url), 'web: hello from ui', 'the new container’s copy got its links again');
        assert.deepEqual(await installTraces(root), [], 'nothing was installed into the host folders');
        await controller.release(web);
      });
    }
  });
}
