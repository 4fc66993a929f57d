import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import type { Page } from 'playwright-core';
import { AppFolderError } from '../../src/core/errors';
import { makeAppRef } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { SOURCE_DIR } from '../../src/core/sourceMirror';
import { makeController, realEngine, TEST_IMAGE, TestWorkspace } from '../engine/helpers';
import { removeDependencyVolumes } from '../harness/containers';
import { PACKAGED_VSIX } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { eventually, notificationCenterMessages, runPaletteCommand, treeItem, webviewContent, webviewInnerFrame } from '../harness/workbench';
import { containersUnder, figure, removeContainers } from './helpers';
import { attemptsOf, MARKERS, readFromInside, writeHostileApp, type Attempt } from './hostileApp';

/** Every file under `root`: path → type, size and content hash (what "changed" is measured against). */
async function snapshot(root: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (skip(child)) {
        continue;
      }
      const full = path.join(root, child);
      if (entry.isSymbolicLink()) {
        out.set(child, `link ${await fs.readlink(full)}`);
      } else if (entry.isDirectory()) {
        out.set(child, 'dir');
        await walk(child);
      } else {
        out.set(child, `file ${createHash('sha256').update(await fs.readFile(full)).digest('hex')}`);
      }
    }
  };
  await walk('');
  return out;
}

function differences(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).map((k) => `${k}: ${before.get(k) ?? '(none)'} → ${after.get(k) ?? '(none)'}`);
}

/** Marker files a successful attack would have written anywhere under `root`. */
async function markersUnder(root: string): Promise<string[]> {
  const names = new Set<string>(Object.values(MARKERS));
  return [...(await snapshot(root))].map(([rel]) => rel).filter((rel) => names.has(path.basename(rel)));
}

function attempt(attempts: readonly Attempt[], phase: string, base: string, what: RegExp): Attempt {
  const found = attempts.find((a) => a.phase === phase && a.path.startsWith(`${base}/`) && what.test(a.what));
  assert.ok(found, `the app reports a "${String(what)}" attempt on ${base} (${phase}): ${JSON.stringify(attempts)}`);
  return found;
}

/** The attack did run (it wrote its own copy), and every write aimed at the host's folder failed. */
function assertContained(attempts: readonly Attempt[], phase: string): void {
  for (const what of [/engine script/, /\.vscode\/settings/, /fsmonitor/, /pre-commit/, /package\.json/]) {
    const host = attempt(attempts, phase, SOURCE_DIR, what);
    assert.equal(host.ok, false, `${host.what} on the mounted folder must fail`);
    assert.equal(host.error, 'EROFS', `${host.what}: ${host.error}`);
    assert.equal(attempt(attempts, phase, '/app', what).ok, true, `the attack really ran inside (${what.source} in its copy)`);
  }
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa('git', args, { cwd, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

async function gitRepo(folder: string): Promise<void> {
  await git(folder, 'init', '-q');
  await git(folder, 'add', '-A');
  await git(folder, 'commit', '-q', '-m', 'initial');
}

/** What a user does next on the host: git status (runs core.fsmonitor), git commit (runs pre-commit). */
async function gitOnHost(folder: string): Promise<void> {
  await fs.writeFile(path.join(folder, 'edit.txt'), 'an edit on the host');
  await git(folder, 'status', '--porcelain');
  await git(folder, 'add', 'edit.txt');
  await git(folder, 'commit', '-q', '-m', 'edit');
}

const RANGE = { start: 34950, end: 34969 };

async function openAppsView(page: Page): Promise<void> {
  const view = page.locator('[id="workbench.view.extension.previewContainers"]');
  if (!(await view.isVisible())) {
    await page.locator('.activitybar .action-item a[aria-label^="Preview Containers"]').first().click();
  }
  await view.waitFor({ state: 'visible', timeout: 15_000 });
}

describe('Reliability: containment — a hostile app cannot reach the host', function () {
  this.timeout(240_000);
  let engine: ContainerEngine;

  before(async function () {
    engine = await realEngine(this);
  });

  describe('on the engine: a hostile app in a sub-folder that is its own git repository', function () {
    let workspace: TestWorkspace;
    const fixture = (): ReturnType<typeof makeController> =>
      makeController(engine, { start: RANGE.start + 10, end: RANGE.end, settings: { startupTimeoutSeconds: 90 } });

    /** A folder beside the workspace (outside it) holding a secret. */
    let outside: string;

    before(async () => {
      workspace = await TestWorkspace.create('pc-hostile');
      outside = await fs.mkdtemp(path.join(path.dirname(workspace.root), 'pc-hostile-outside-'));
      await fs.writeFile(path.join(outside, 'secret.txt'), 'SECRET-OUTSIDE');
    });

    after(async () => {
      await removeDependencyVolumes(workspace.apps);
      await workspace.cleanUp(engine);
      await fs.rm(outside, { recursive: true, force: true });
    });

    it('escapes by "..", a symlink out of the folder, a symlink swapped in after the start: no file outside the folder is read or changed; a folder swapped for a symlink out is refused', async () => {
      const folder = path.join(workspace.root, 'app');
      await fs.mkdir(path.join(folder, 'swap'), { recursive: true });
      await fs.writeFile(path.join(folder, 'swap', 'ok.txt'), 'inside');
      await writeHostileApp(folder);
      const app = makeAppRef(folder, workspace.root, 'hostile');
      workspace.apps.push(app);
      const before = await snapshot(workspace.root);
      const outsideBefore = await snapshot(outside);
      const { controller } = fixture();
      const { port } = await controller.run({ ref: app });
      const attempts = await attemptsOf(port);
      assertContained(attempts, 'postinstall');
      assertContained(attempts, 'server');
      for (const base of [SOURCE_DIR, '/app']) {
        assert.equal(attempt(attempts, 'server', base, /read through a symlink/).ok, false, 'the symlink resolves inside the container, where there is no secret');
      }
      // The host swaps a folder for a symlink to a folder outside, while the app runs.
      await fs.rm(path.join(folder, 'swap'), { recursive: true });
      await fs.symlink(outside, path.join(folder, 'swap'));
      await new Promise((resolve) => setTimeout(resolve, 500)); // the mirror copies the link
      const reads = await Promise.all([`${SOURCE_DIR}/swap/secret.txt`, '/app/swap/secret.txt', `${SOURCE_DIR}/link-out/../${path.basename(outside)}/secret.txt`].map((f) => readFromInside(port, f)));
      assert.deepEqual(reads.map((r) => r.ok), [false, false, false], JSON.stringify(reads));
      assert.ok(!JSON.stringify(reads).includes('SECRET-OUTSIDE'));
      const after = await snapshot(workspace.root);
      const changed = differences(before, after);
      const okFile = path.join('app', 'swap', 'ok.txt');
      assert.deepEqual(differences(outsideBefore, await snapshot(outside)), [], 'nothing outside changed');
      assert.deepEqual(changed.sort(), [`${path.join('app', 'swap')}: dir → link ${outside}`, `${okFile}: ${before.get(okFile) ?? ''} → (none)`].sort(), 'only what the test itself changed');
      // The next start finds the app folder itself swapped for a symlink out: refused before anything runs.
      await controller.stop(app);
      const moved = path.join(workspace.root, 'app-real');
      await fs.rename(folder, moved);
      await fs.symlink(outside, folder);
      await assert.rejects(controller.run({ ref: app }), (error: unknown) => error instanceof AppFolderError && /outside the workspace folder/.test(error.message));
      assert.deepEqual((await containersUnder(engine, folder)).filter((c) => c.running), [], 'nothing started');
      await fs.rm(folder);
      await fs.rename(moved, folder);
      figure('containment: escapes', { attempts: attempts.length + reads.length + 1, hostWrites: 0, secretsRead: 0, filesChangedOutside: 0 });
    });

    it('a nested git repository: writes to .git/config (core.fsmonitor) and .git/hooks/pre-commit fail; a real git status and git commit on the host run nothing', async () => {
      const folder = path.join(workspace.root, 'repo');
      await fs.mkdir(folder);
      await writeHostileApp(folder, 'hostile-repo');
      await gitRepo(folder);
      const app = makeAppRef(folder, workspace.root, 'hostile-repo');
      workspace.apps.push(app);
      const gitBefore = await snapshot(path.join(folder, '.git'), (rel) => rel.startsWith('objects') || rel === 'index' || rel === 'logs' || rel.startsWith('logs'));
      const { controller } = fixture();
      const { port } = await controller.run({ ref: app });
      const attempts = await attemptsOf(port);
      assertContained(attempts, 'postinstall');
      const gitConfig = await readFromInside(port, `${SOURCE_DIR}/.git/config`);
      assert.equal(gitConfig.ok, false, `the repository's .git (remote URLs, credentials) is hidden from the app: ${JSON.stringify(gitConfig)}`);
      await gitOnHost(folder);
      assert.deepEqual(await markersUnder(folder), [], 'no hook or fsmonitor ran');
      const gitAfter = await snapshot(path.join(folder, '.git'), (rel) => rel.startsWith('objects') || rel === 'index' || rel.startsWith('logs') || rel === 'COMMIT_EDITMSG' || rel.startsWith('refs') || rel === 'ORIG_HEAD');
      assert.deepEqual(differences(gitBefore, gitAfter).filter((d) => !/^(COMMIT_EDITMSG|refs)/.test(d)), [], '.git/config and hooks unchanged');
      figure('containment: git', { attempts: attempts.filter((a) => /git/.test(a.what)).length, hostExecutions: 0 });
    });
  });

  describe('in code-server: the hostile app is the workspace root, and the repository’s own settings try to choose the host side', function () {
    let workspace = '';
    const planted = {
      'previewContainers.engine': 'docker',
      'previewContainers.engineConnection': 'production',
      'previewContainers.bindAddress': '0.0.0.0',
      'previewContainers.portRange.start': 1024,
      'previewContainers.portRange.end': 1030,
      'previewContainers.apps': [{ path: '/' }, { path: '../..' }],
    };
    let plantedFiles: Map<string, string> | undefined;
    let port = 0;
    const session = useWorkbenchSession({
      name: 'reliability-hostile',
      vsix: [PACKAGED_VSIX],
      userSettings: {
        'workbench.startupEditor': 'none',
        'previewContainers.portRange.start': RANGE.start,
        'previewContainers.portRange.end': RANGE.start + 9,
        'previewContainers.image': TEST_IMAGE,
        'previewContainers.pullPolicy': 'never',
        'previewContainers.startupTimeoutSeconds': 90,
        'previewContainers.idleTimeoutMinutes': 0,
      },
      prepareWorkspace: async (folder) => {
        workspace = folder;
        await writeHostileApp(folder);
        // A cloned repository that names a binary to run as the engine (a working wrapper, so a
        // start through it would not even fail: only the marker tells).
        await fs.writeFile(path.join(folder, 'x-planted'), `#!/bin/sh\necho pwned > "$(dirname "$0")/${MARKERS.planted}"\nexec podman "$@"\n`, { mode: 0o755 });
        await fs.mkdir(path.join(folder, '.vscode'));
        await fs.writeFile(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ ...planted, 'previewContainers.enginePath': path.join(folder, 'x-planted') }, null, 2));
        await gitRepo(folder);
        plantedFiles = await snapshot(folder, (rel) => rel.startsWith('.git') && rel !== path.join('.git', 'config') && !rel.startsWith(path.join('.git', 'hooks')));
      },
    });

    after(async function () {
      this.timeout(60_000);
      if (workspace) {
        await removeContainers((await containersUnder(engine, workspace)).map((c) => c.id));
        await removeDependencyVolumes([makeAppRef(workspace, workspace)]);
      }
    });

    async function waitForRunning(page: Page): Promise<number> {
      await openAppsView(page);
      const item = treeItem(page, 'previewContainers', /^hostile,/);
      const description = await eventually(async () => ((await item.locator('.label-description').textContent({ timeout: 2000 })) ?? '').trim(), { timeoutMs: 120_000, accept: (d) => /^:\d+ · running$/.test(d) });
      return Number(/^:(\d+)/.exec(description)?.[1]);
    }

    it('workspace settings that choose the engine, its binary, connection, bind address and port pool are ignored, with a warning naming the file; apps[].path "/" and "../.." are refused', async () => {
      const { page } = session();
      // The extension activates with its first command (nothing else of ours runs before).
      await runPaletteCommand(page, 'Preview Containers: Run App Container');
      // Toasts of warnings hide themselves after a while; the notification center keeps them.
      const messages = await eventually(() => notificationCenterMessages(page), {
        timeoutMs: 20_000,
        accept: (m) => m.some((t) => t.startsWith('Ignored ')) && m.filter((t) => /previewContainers\.apps\[\d\]\.path/.test(t)).length === 2,
      });
      port = await waitForRunning(page);
      const ignored = messages.find((t) => t.startsWith('Ignored ')) ?? '';
      for (const setting of ['engine', 'enginePath', 'engineConnection', 'bindAddress', 'portRange.start', 'portRange.end']) {
        assert.ok(ignored.includes(`"previewContainers.${setting}" (in ${path.join(workspace, '.vscode', 'settings.json')})`), `${setting} named: ${ignored}`);
      }
      // code-server's window is a remote one (vscode.env.remoteName is set): VS Code reads these
      // machine-scoped settings from the Remote settings there, and the warning says so.
      assert.match(ignored, /only read from your Remote settings in this window/);
      assert.ok(messages.some((t) => /"previewContainers\.apps\[0\]\.path" is invalid: "\/" lies outside the workspace folders/.test(t)), messages.join('\n'));
      assert.ok(messages.some((t) => /"previewContainers\.apps\[1\]\.path" is invalid: "\.\.\/\.\." (lies outside|resolves to)/.test(t)), messages.join('\n'));
      assert.ok(port >= RANGE.start && port < RANGE.start + 10, `the user's pool, not the workspace's: ${port}`);
      const containers = await containersUnder(engine, workspace);
      assert.equal(containers.length, 1, 'one container: "/" and "../.." started nothing');
      const details = await engine.inspect(containers[0].id);
      assert.deepEqual(details?.ports.map((p) => p.hostIp), ['127.0.0.1'], 'published on loopback only');
      const { stdout } = await execa('podman', ['inspect', '--format', '{{json .Mounts}}', containers[0].id]);
      const binds = (JSON.parse(stdout) as { Type: string; Source: string; Destination: string; RW: boolean }[]).filter((m) => m.Type === 'bind');
      assert.deepEqual(binds.map((m) => [m.Source, m.Destination, m.RW]), [[await fs.realpath(workspace), SOURCE_DIR, false]], 'only the workspace folder is mounted, read-only');
      assert.deepEqual(await markersUnder(workspace), [], 'the planted engine binary never ran');
      figure('containment: workspace settings', { attempts: Object.keys(planted).length + 1, ignoredOrRefused: 8, hostExecutions: 0, nonLoopbackPorts: 0 });
    });

    it('its install step and server write .vscode/settings.json (enginePath → a dropped script) and try to plant it: nothing reaches the host, the script never runs', async () => {
      assert.ok(port > 0, 'the app runs (previous test)');
      const attempts = await attemptsOf(port);
      assertContained(attempts, 'postinstall');
      assertContained(attempts, 'server');
      await new Promise((resolve) => setTimeout(resolve, 2000)); // what a settings watcher would have done by now
      assert.deepEqual(await markersUnder(workspace), []);
      const now = await snapshot(workspace, (rel) => rel.startsWith('.git') && rel !== path.join('.git', 'config') && !rel.startsWith(path.join('.git', 'hooks')));
      assert.deepEqual(differences(plantedFiles!, now), [], 'no file of the workspace changed');
      figure('containment: .vscode from the container', { attempts: attempts.length, hostExecutions: 0, filesChanged: 0 });
    });

    it('its .git/config (core.fsmonitor) and .git/hooks/pre-commit writes: a real git status and git commit on the host run nothing', async () => {
      await gitOnHost(workspace);
      assert.deepEqual(await markersUnder(workspace), []);
      figure('containment: git at the root', { hostExecutions: 0 });
    });

    it('the framed app posting forged messages to the preview page and the webview host: the preview’s state is unchanged', async () => {
      const { page } = session();
      await runPaletteCommand(page, 'Preview Containers: Open App Preview');
      const frame = webviewInnerFrame(page, '#app-frame');
      await eventually(async () => assert.match((await frame.locator('#status').textContent()) ?? '', /^forged [1-9]\d*/), { timeoutMs: 30_000 });
      const webview = webviewContent(page);
      // The toolbar's address bar (the path shown) and the frame's own address.
      const address = webview.locator('#address');
      const url = `${await address.inputValue()} ${(await webview.locator('#app-frame').getAttribute('src')) ?? ''}`;
      await new Promise((resolve) => setTimeout(resolve, 2000)); // twenty rounds of forgeries
      assert.equal(await webview.locator('#stopped').isVisible(), false, 'no fake "failed" screen');
      assert.equal(await webview.locator('#app-frame').isVisible(), true);
      assert.equal(`${await address.inputValue()} ${(await webview.locator('#app-frame').getAttribute('src')) ?? ''}`, url, 'the address shown is unchanged');
      assert.doesNotMatch(url ?? '', /evil/);
      // What the extension reports as the preview origin (its tooltip) is still ours.
      await openAppsView(page);
      const item = treeItem(page, 'previewContainers', /^hostile,/);
      await item.hover();
      const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Preview origin' }).first();
      const text = (await hover.textContent({ timeout: 10_000 })) ?? '';
      assert.match(text, new RegExp(`Preview origin: http://[^ ]*:${port}|Preview origin: http://hostile\\.localhost:${port}`));
      assert.doesNotMatch(text, /evil\.example/);
      const forged = Number(/forged (\d+)/.exec((await frame.locator('#status').textContent()) ?? '')?.[1]);
      figure('containment: forged preview messages', { messages: forged, stateChanges: 0 });
    });
  });
});
