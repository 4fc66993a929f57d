import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeAppRef } from '../../src/core/appIdentity';
import { containedAppFolder, isInside, readFileInside, realpathInside } from '../../src/core/containment';
import { AppFolderError } from '../../src/core/errors';
import { tempDir } from './helpers';

describe('containment: paths stay inside the workspace, symlinks resolved', () => {
  let dir: string;
  let workspace: string;
  let outside: string;

  beforeEach(async () => {
    dir = await tempDir('pc-contain');
    workspace = path.join(dir, 'workspace');
    outside = path.join(dir, 'outside');
    await fs.mkdir(path.join(workspace, 'apps', 'web'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret.json'), '{"name":"secret"}');
    await fs.symlink(outside, path.join(workspace, 'apps', 'escape'));
    await fs.symlink(path.join(outside, 'secret.json'), path.join(workspace, 'apps', 'web', 'package.json'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('isInside: the folder itself and below, never beside or above', () => {
    assert.ok(isInside('/ws', '/ws'));
    assert.ok(isInside('/ws/a/b', '/ws'));
    assert.ok(!isInside('/ws-other', '/ws'));
    assert.ok(!isInside('/', '/ws'));
    assert.ok(!isInside('/ws/../etc', '/ws'));
    assert.ok(isInside('/ws/..hidden', '/ws'), 'a name starting with two dots is still inside');
    assert.ok(isInside("/ws/..it's `id`", '/ws'));
  });

  it('realpathInside refuses "/", "../..", and a symlink out; accepts real sub-folders', async () => {
    assert.equal(await realpathInside('/', [workspace]), undefined);
    assert.equal(await realpathInside(path.join(workspace, '..', '..'), [workspace]), undefined);
    assert.equal(await realpathInside(path.join(workspace, 'apps', 'escape'), [workspace]), undefined);
    assert.equal(await realpathInside(path.join(workspace, 'apps', 'web'), [workspace]), await fs.realpath(path.join(workspace, 'apps', 'web')));
    assert.equal(await realpathInside(path.join(workspace, 'missing'), [workspace]), undefined);
  });

  it('containedAppFolder: the real folder to mount, or a clear AppFolderError', async () => {
    const web = makeAppRef(path.join(workspace, 'apps', 'web'), workspace);
    assert.equal(await containedAppFolder(web), await fs.realpath(web.folder));
    await assert.rejects(containedAppFolder(makeAppRef(path.join(workspace, 'apps', 'escape'), workspace)), (error: unknown) => {
      assert.ok(error instanceof AppFolderError);
      assert.match(error.message, /apps-escape cannot start: its folder .*escape resolves to .*outside, outside the workspace folder/);
      return true;
    });
    await assert.rejects(containedAppFolder(makeAppRef(path.join(workspace, 'gone'), workspace)), /does not exist/);
    // A folder swapped for a symlink after discovery is refused at start time.
    await fs.rm(web.folder, { recursive: true });
    await fs.symlink(outside, web.folder);
    await assert.rejects(containedAppFolder(web), /outside the workspace folder/);
  });

  it('readFileInside does not follow a symlink out of the folder (a package.json pointing at another file)', async () => {
    assert.equal(await readFileInside(path.join(workspace, 'apps', 'web'), 'package.json'), undefined);
    await fs.writeFile(path.join(workspace, 'apps', 'web', 'real.json'), 'ok');
    assert.equal(await readFileInside(path.join(workspace, 'apps', 'web'), 'real.json'), 'ok');
  });
});
