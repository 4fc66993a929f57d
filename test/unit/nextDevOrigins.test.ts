import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { parsePackageJson, type FolderInfo } from '../../src/core/appFolder';
import { planLaunch } from '../../src/core/launchPlan';
import { NEXT_DEV_ORIGINS_ENV, nextDevOriginsEnv } from '../../src/core/nextDevOrigins';

function nextApp(range: string): FolderInfo {
  return { pkg: parsePackageJson(JSON.stringify({ scripts: { dev: 'next dev' }, dependencies: { next: range } })), hasNodeModules: false, files: new Set(['package.json']) };
}

describe('Next.js dev origins behind the editor’s port forwarding', () => {
  it('a Next app behind a forwarding domain gets the preload and the origins; without one, or on an old Next, nothing', () => {
    const proxied = planLaunch(nextApp('16.4.3'), { fallbackPort: 3000, image: 'x', allowedHosts: ['.code.example.test', '.app.github.dev'] });
    assert.equal(proxied.env[NEXT_DEV_ORIGINS_ENV], '**.code.example.test,**.app.github.dev');
    assert.match(proxied.env['NODE_OPTIONS'] ?? '', /^--import=data:text\/javascript,\S+$/, 'one NODE_OPTIONS word (no spaces)');
    assert.ok(proxied.notes.some((n) => n.includes('Next.js allows dev origins **.code.example.test')));
    assert.equal(planLaunch(nextApp('16.4.3'), { fallbackPort: 3000, image: 'x', allowedHosts: [] }).env['NODE_OPTIONS'], undefined);
    assert.deepEqual(nextDevOriginsEnv(['.a.example'], '^14.2.0', []), {}, 'Next 14 never checked origins (and may run on a Node without --import)');
    assert.ok(NEXT_DEV_ORIGINS_ENV in nextDevOriginsEnv(['.a.example'], '^15.2.0', []));
    assert.ok(NEXT_DEV_ORIGINS_ENV in nextDevOriginsEnv(['.a.example'], 'latest', []));
    assert.deepEqual(nextDevOriginsEnv(['.a.example'], 'workspace:*', []), {});
  });

  it('the preload really runs in Node: a module shaped like Next’s block-cross-site-dev sees the extra origins after the app’s own', async function () {
    this.timeout(20_000);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'next-origins-'));
    try {
      // As Next 16.4 compiles it: the export is a getter on a non-configurable property.
      await fs.mkdir(path.join(dir, 'lib', 'router-utils'), { recursive: true });
      await fs.writeFile(
        path.join(dir, 'lib', 'router-utils', 'block-cross-site-dev.js'),
        `"use strict"; Object.defineProperty(exports, "blockCrossSiteDEV", { enumerable: true, get: function () { return blockCrossSiteDEV; } });
         const blockCrossSiteDEV = (req, res, allowedDevOrigins, hostname) => ({ allowed: ['**.localhost', 'localhost', ...(allowedDevOrigins ?? [])], hostname });`,
      );
      await fs.writeFile(
        path.join(dir, 'lib', 'router-server.js'),
        `const _b = require("./router-utils/block-cross-site-dev"); const other = require("node:path");
         console.log(JSON.stringify({ result: (0, _b.blockCrossSiteDEV)({}, {}, ['mine.example'], '0.0.0.0'), other: typeof other.join }));`,
      );
      const env = nextDevOriginsEnv(['.code.example.test'], '16.4.3', []);
      const { stdout } = await execa(process.execPath, [path.join(dir, 'lib', 'router-server.js')], { env: { ...env }, stdin: 'ignore' });
      assert.deepEqual(JSON.parse(stdout), { result: { allowed: ['**.localhost', 'localhost', 'mine.example', '**.code.example.test'], hostname: '0.0.0.0' }, other: 'function' });
      // Without the variable the hook changes nothing.
      const plain = await execa(process.execPath, [path.join(dir, 'lib', 'router-server.js')], { env: { NODE_OPTIONS: env['NODE_OPTIONS'] ?? '' }, extendEnv: false, stdin: 'ignore' });
      assert.deepEqual((JSON.parse(plain.stdout) as { result: { allowed: string[] } }).result.allowed, ['**.localhost', 'localhost', 'mine.example']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
