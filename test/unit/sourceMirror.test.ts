import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MIRROR_PROGRAM, mirrored, PROTECTED_NAMES, unmirrored } from '../../src/core/sourceMirror';
import { tempDir } from './helpers';

/** Waits until `check` passes (the mirror works asynchronously on file events). */
async function eventually(check: () => Promise<void> | void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function tree(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    out.push(entry.isDirectory() ? `${child}/` : entry.isSymbolicLink() ? `${child} -> ${await fs.readlink(path.join(root, child))}` : child);
    if (entry.isDirectory()) {
      out.push(...(await tree(root, child)));
    }
  }
  return out.sort();
}

describe('source mirror (the program the container runs before the app, run here with node)', function () {
  this.timeout(15_000);
  let dir: string;
  let src: string;
  let dst: string;
  let child: ChildProcess | undefined;

  /** Starts the mirror on src → dst with `command`, resolving once the first copy is done. */
  async function start(command: string[]): Promise<{ exit: Promise<number | null> }> {
    const ready = path.join(dir, 'ready');
    const proc = spawn(process.execPath, ['-e', MIRROR_PROGRAM, '--', ...command], {
      env: { ...process.env, PREVIEW_SOURCE_DIR: src, PREVIEW_APP_DIR: dst, PREVIEW_MIRROR_READY: ready },
      stdio: 'ignore',
    });
    child = proc;
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    await eventually(() => assert.ok(existsSync(ready), 'the first copy is done'), 5000);
    return { exit };
  }

  beforeEach(async () => {
    dir = await tempDir('pc-mirror');
    src = path.join(dir, 'src');
    dst = path.join(dir, 'dst');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.mkdir(dst);
    await fs.writeFile(path.join(src, 'package.json'), '{"name":"a"}');
    await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'b');
    await fs.writeFile(path.join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await fs.symlink('/etc/hostname', path.join(src, 'link'));
    for (const name of PROTECTED_NAMES) {
      await fs.mkdir(path.join(src, name));
      await fs.writeFile(path.join(src, name, 'inside'), name);
    }
    await fs.mkdir(path.join(src, 'sub', '.git'));
    await fs.mkdir(path.join(src, '.next'));
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('copies the folder without what the host executes or trusts (.git, .vscode, … at any depth), node_modules or build caches; keeps modes, times and links', async () => {
    const { exit } = await start(['true']);
    assert.equal(await exit, 0);
    assert.deepEqual(await tree(dst), ['link -> /etc/hostname', 'package.json', 'run.sh', 'sub/', 'sub/b.txt']);
    assert.equal((await fs.stat(path.join(dst, 'run.sh'))).mode & 0o777, 0o755);
    const [from, to] = await Promise.all([fs.stat(path.join(src, 'package.json')), fs.stat(path.join(dst, 'package.json'))]);
    assert.ok(Math.abs(to.mtimeMs - from.mtimeMs) < 2, `mtime kept (installs compare package.json with their stamp): ${to.mtimeMs} vs ${from.mtimeMs}`);
  });

  it('follows changes one way while the app runs: edits, new folders, deletes, renames; never copies protected names created later', async () => {
    const { exit } = await start([process.execPath, '-e', 'setTimeout(() => process.exit(7), 60000)']);
    await fs.writeFile(path.join(src, 'package.json'), '{"name":"changed"}');
    await fs.mkdir(path.join(src, 'new', 'deep'), { recursive: true });
    await fs.writeFile(path.join(src, 'new', 'deep', 'c.txt'), 'c');
    await fs.rm(path.join(src, 'sub', 'b.txt'));
    await fs.mkdir(path.join(src, 'sub', '.vscode'));
    await fs.writeFile(path.join(src, 'sub', '.vscode', 'settings.json'), '{}');
    await eventually(async () => {
      assert.equal(await fs.readFile(path.join(dst, 'package.json'), 'utf8'), '{"name":"changed"}');
      assert.deepEqual(await tree(dst), ['link -> /etc/hostname', 'new/', 'new/deep/', 'new/deep/c.txt', 'package.json', 'run.sh', 'sub/']);
    });
    await fs.rename(path.join(src, 'new'), path.join(src, 'moved'));
    await fs.writeFile(path.join(src, 'moved', 'deep', 'd.txt'), 'd');
    await eventually(async () => assert.deepEqual((await tree(dst)).filter((p) => p.startsWith('moved') || p.startsWith('new')), ['moved/', 'moved/deep/', 'moved/deep/c.txt', 'moved/deep/d.txt']));
    child?.kill('SIGTERM');
    assert.equal(await exit, 143, 'the signal reaches the app; the mirror exits as it did');
  });

  it('keeps what a build cache volume holds at the top of the copy (.next, .svelte-kit…): never deleted, never overwritten', async () => {
    await fs.mkdir(path.join(dst, '.next', 'cache'), { recursive: true });
    await fs.writeFile(path.join(dst, '.next', 'cache', 'entry'), 'from the last start');
    await fs.writeFile(path.join(src, '.next', 'stale'), 'a host build');
    const { exit } = await start([process.execPath, '-e', 'setTimeout(() => process.exit(0), 60000)']);
    await fs.writeFile(path.join(src, 'added.txt'), 'x');
    await eventually(async () => assert.equal(await fs.readFile(path.join(dst, 'added.txt'), 'utf8'), 'x'));
    assert.deepEqual(await tree(path.join(dst, '.next')), ['cache/', 'cache/entry']);
    child?.kill('SIGTERM');
    await exit;
  });

  it('a workspace member (PREVIEW_MIRROR_MEMBER): the whole root is copied, the command runs in the member folder, its build caches are left to their volume', async () => {
    await fs.mkdir(path.join(src, 'apps', 'web', '.next'), { recursive: true });
    await fs.writeFile(path.join(src, 'apps', 'web', 'package.json'), '{"name":"web"}');
    await fs.writeFile(path.join(src, 'apps', 'web', '.next', 'stale'), 'a host build');
    const ready = path.join(dir, 'ready');
    const cwdFile = path.join(dir, 'cwd');
    const proc = spawn(process.execPath, ['-e', MIRROR_PROGRAM, '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(cwdFile)}, process.cwd())`], {
      env: { ...process.env, PREVIEW_SOURCE_DIR: src, PREVIEW_APP_DIR: dst, PREVIEW_MIRROR_READY: ready, PREVIEW_MIRROR_MEMBER: 'apps/web' },
      stdio: 'ignore',
    });
    child = proc;
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(await fs.readFile(cwdFile, 'utf8'), path.join(dst, 'apps', 'web'));
    assert.deepEqual(
      (await tree(dst)).filter((p) => p.startsWith('apps')),
      ['apps/', 'apps/web/', 'apps/web/package.json'],
      'the member folder is copied, its .next is not',
    );
    assert.ok((await tree(dst)).includes('sub/b.txt'), 'the rest of the root too');
  });

  it('what is written in the copy never reaches the folder', async () => {
    const { exit } = await start(['sh', '-c', 'mkdir -p .vscode && echo x > .vscode/settings.json && echo y > package.json && rm sub/b.txt']);
    assert.equal(await exit, 0);
    assert.equal(await fs.readFile(path.join(src, 'package.json'), 'utf8'), '{"name":"a"}');
    assert.equal(await fs.readFile(path.join(src, '.vscode', 'inside'), 'utf8'), '.vscode');
    assert.ok(!existsSync(path.join(src, '.vscode', 'settings.json')));
    assert.equal(await fs.readFile(path.join(src, 'sub', 'b.txt'), 'utf8'), 'b');
  });

  it('exits with the app’s exit code, and says so when the command cannot run', async () => {
    assert.equal(await (await start(['sh', '-c', 'exit 3'])).exit, 3);
    assert.equal(await (await start(['/no/such/program'])).exit, 127);
  });

  it('wraps and unwraps commands', () => {
    assert.deepEqual(unmirrored(mirrored(['npm', 'run', 'dev'])), ['npm', 'run', 'dev']);
    assert.deepEqual(unmirrored(['npm', 'start']), ['npm', 'start']);
  });
});
