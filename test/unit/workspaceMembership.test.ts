import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { findWorkspaceMembership, matchesWorkspace, packageJsonWorkspaces, pnpmWorkspacePackages, type MembershipFs } from '../../src/core/workspaceMembership';

/** An in-memory tree: absolute path → file text. */
function files(entries: Record<string, string>): MembershipFs {
  return { readText: (file) => Promise.resolve(entries[file]) };
}

const ROOT = path.join(path.sep, 'ws');
const at = (...parts: string[]): string => path.join(ROOT, ...parts);

describe('workspace membership (monorepo apps install at their workspace root)', () => {
  it('matches workspace globs: *, **, exact paths, ./ and trailing slashes, negations', () => {
    assert.ok(matchesWorkspace('apps/web', ['apps/*']));
    assert.ok(!matchesWorkspace('apps/web/nested', ['apps/*']));
    assert.ok(matchesWorkspace('apps/web/nested', ['apps/**']));
    assert.ok(matchesWorkspace('apps/web', ['**']));
    assert.ok(matchesWorkspace('tools/x/web', ['**/web']));
    assert.ok(matchesWorkspace('web', ['**/web']));
    assert.ok(matchesWorkspace('apps/web', ['./apps/web/']));
    assert.ok(matchesWorkspace('apps/web-1', ['apps/web-*']));
    assert.ok(!matchesWorkspace('apps.x/web', ['apps/*']), 'a dot is a dot');
    assert.ok(!matchesWorkspace('apps/test', ['apps/*', '!apps/test']));
    assert.ok(!matchesWorkspace('apps/web', ['packages/*']));
    assert.ok(!matchesWorkspace('apps/web', []));
  });

  it('reads package.json workspaces (array, or yarn classic { packages }) and nothing else', () => {
    assert.deepEqual(packageJsonWorkspaces('{"workspaces":["apps/*","packages/*"]}'), ['apps/*', 'packages/*']);
    assert.deepEqual(packageJsonWorkspaces('{"workspaces":{"packages":["apps/*"],"nohoist":["**/x"]}}'), ['apps/*']);
    assert.equal(packageJsonWorkspaces('{"name":"x"}'), undefined);
    assert.equal(packageJsonWorkspaces('not json'), undefined);
  });

  it('reads pnpm-workspace.yaml packages: block and flow style, quotes and comments; none when only settings', () => {
    const block = "packages:\n  - 'apps/*'   # the apps\n  - \"packages/*\"\n  - tools/** # tools\n  - '!**/test/**'\nonlyBuiltDependencies:\n  - esbuild\n";
    assert.deepEqual(pnpmWorkspacePackages(block), ['apps/*', 'packages/*', 'tools/**', '!**/test/**']);
    assert.deepEqual(pnpmWorkspacePackages("packages: ['apps/*', \"packages/*\"]\n"), ['apps/*', 'packages/*']);
    assert.equal(pnpmWorkspacePackages('onlyBuiltDependencies:\n  - esbuild\n'), undefined);
  });

  it('finds the nearest root that names the app; not when the nearest does not, nor above the workspace folder', async () => {
    const io = files({
      [at('package.json')]: '{"workspaces":["apps/*"]}',
      [at('apps', 'package.json')]: '{"name":"not a root"}',
    });
    assert.deepEqual(await findWorkspaceMembership(at('apps', 'web'), ROOT, new Set(['package.json']), io), { root: ROOT, member: 'apps/web', declaredBy: 'package.json workspaces' });
    assert.equal(await findWorkspaceMembership(at('tools', 'cli'), ROOT, new Set(), io), undefined, 'not in the patterns');
    // The workspace folder is apps/: the root above it is outside the workspace.
    assert.equal(await findWorkspaceMembership(at('apps', 'web'), at('apps'), new Set(), io), undefined);
    const nested = files({
      [at('package.json')]: '{"workspaces":["**"]}',
      [at('sub', 'pnpm-workspace.yaml')]: 'packages:\n  - libs/*\n',
    });
    assert.equal(await findWorkspaceMembership(at('sub', 'apps', 'web'), ROOT, new Set(), nested), undefined, 'the nearest root decides');
    assert.deepEqual(await findWorkspaceMembership(at('sub', 'libs', 'a'), ROOT, new Set(), nested), { root: at('sub'), member: 'libs/a', declaredBy: 'pnpm-workspace.yaml' });
  });

  it('pnpm-workspace.yaml wins over package.json workspaces (pnpm reads only it); an app with its own lockfile runs on its own', async () => {
    const io = files({ [at('package.json')]: '{"workspaces":["other/*"]}', [at('pnpm-workspace.yaml')]: 'packages:\n  - apps/*\n' });
    assert.equal((await findWorkspaceMembership(at('apps', 'web'), ROOT, new Set(), io))?.declaredBy, 'pnpm-workspace.yaml');
    for (const lockfile of ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock']) {
      assert.equal(await findWorkspaceMembership(at('apps', 'web'), ROOT, new Set(['package.json', lockfile]), io), undefined, lockfile);
    }
  });
});
