import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { execa } from 'execa';
import { containerNameFor, makeAppRef } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { LABEL_APP, LABEL_MANAGED, LABEL_PATH, LABEL_PORT } from '../../src/core/engine/labels';
import { realEngine, serverSource, TEST_IMAGE } from '../engine/helpers';
import { makeTempDir, PACKAGED_VSIX, removeDir, REPO_ROOT } from '../harness/prerequisites';
import { useWorkbenchSession, type WorkbenchSession } from '../harness/session';
import { delay } from '../harness/timing';
import { eventually, notificationCenterMessages, openWorkbench } from '../harness/workbench';
import { containersUnder, figure, removeContainers } from './helpers';
import { API_PREFIX, EXTENSION_ID, PROBE_ATTEMPTS_ENV, PROBE_OUT_ENV, type ProbeReport } from './trustProbeProtocol';

const STARTING_COMMANDS = ['previewContainers.runApp', 'previewContainers.openPreview', 'previewContainers.restartApp', 'previewContainers.rebuildApp'];
/** Every way to start an app from outside the UI: the commands and the public API. */
const STARTING_CALLS = [...STARTING_COMMANDS, `${API_PREFIX}runApp`, `${API_PREFIX}openPreview`];
const TITLES = ['Preview Containers: Run App Container', 'Preview Containers: Open App Preview', 'Preview Containers: Restart App Container', 'Preview Containers: Rebuild App Container'];
const UNTRUSTED_MESSAGE = 'Preview Containers only runs containers in trusted workspaces: they execute the workspace’s own code. Trust this workspace to continue.';

interface Manifest {
  readonly capabilities: { readonly untrustedWorkspaces: { readonly supported: unknown; readonly description?: unknown } };
  readonly activationEvents: readonly string[];
  readonly contributes: {
    readonly commands: readonly { readonly command: string }[];
    readonly menus: Readonly<Record<string, readonly { readonly command: string; readonly when?: string }[]>>;
  };
}

/** The labels the command palette lists for `query`, once `present` (a control) shows up in it. */
async function paletteLabels(page: Page, query: string, present: string): Promise<string[]> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const rows = page.locator('.quick-input-list .monaco-list-row .label-name');
  try {
    await eventually(async () => {
      if (!(await input.isVisible())) {
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 3000 });
      }
      await input.fill(`>${present}`);
      await delay(300);
      assert.ok((await rows.allTextContents()).map((l) => l.trim()).includes(present), `the palette lists ${present}`);
    }, { timeoutMs: 30_000, intervalMs: 500 });
    await input.fill(`>${query}`);
    // Give the list time to fill in (it is filtered as one types; a missing row never appears).
    await delay(1500);
    return (await rows.allTextContents()).map((l) => l.trim());
  } finally {
    await page.keyboard.press('Escape');
  }
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '(none)';
  }
}

async function writeApp(workspace: string): Promise<void> {
  const folder = path.join(workspace, 'web');
  await fs.mkdir(folder);
  await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify({ name: 'web', scripts: { start: 'node server.js' } }));
  await fs.writeFile(path.join(folder, 'server.js'), serverSource());
}

/** A throw-away extension (trustProbe.ts) that supports untrusted workspaces and calls our commands. */
async function writeProbe(dir: string): Promise<void> {
  const compiled = path.join(REPO_ROOT, 'out', 'test', 'reliability');
  await fs.copyFile(path.join(compiled, 'trustProbe.js'), path.join(dir, 'trustProbe.js'));
  await fs.copyFile(path.join(compiled, 'trustProbeProtocol.js'), path.join(dir, 'trustProbeProtocol.js'));
  await fs.writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'trust-probe',
      publisher: 'reliability-tests',
      version: '0.0.1',
      engines: { vscode: '^1.90.0' },
      main: './trustProbe.js',
      activationEvents: ['onStartupFinished'],
      capabilities: { untrustedWorkspaces: { supported: true } },
    }),
  );
}

/** User settings of every phase: the local image, a port range of this suite's own, no idle reaping. */
const BASE_SETTINGS = {
  'security.workspace.trust.startupPrompt': 'never',
  'workbench.startupEditor': 'none',
  'previewContainers.portRange.start': 34900,
  'previewContainers.portRange.end': 34909,
  'previewContainers.image': TEST_IMAGE,
  'previewContainers.pullPolicy': 'never',
  'previewContainers.startupTimeoutSeconds': 30,
  'previewContainers.idleTimeoutMinutes': 0,
  'previewContainers.apps': [{ path: 'web', command: ['node', 'server.js'] }],
};

interface Phase {
  readonly settings: Readonly<Record<string, unknown>>;
  readonly attempts: readonly (readonly [string, string])[];
}

/**
 * One code-server (workspace trust on) with the packaged extension installed and the probe loaded
 * as an extension under development, opened on a folder with one app (`web`). Each phase writes
 * the user settings and the probe's plan, then (re)loads the window and returns the probe's report.
 * Call inside a `describe`.
 */
function trustWindow(): { session: () => WorkbenchSession; phase: (phase: Phase) => Promise<ProbeReport>; engineCalls: () => Promise<string[]> } {
  let scratch: string | undefined;
  before(async () => {
    scratch = await makeTempDir('trust');
    await fs.mkdir(path.join(scratch, 'probe'));
    await writeProbe(path.join(scratch, 'probe'));
    // The engine binary (a user setting) is a wrapper that records every call: "0 engine calls" is counted, not assumed.
    await fs.writeFile(path.join(scratch, 'count-engine'), `#!/bin/sh\necho "$*" >> "${path.join(scratch, ENGINE_CALLS)}"\nexec podman "$@"\n`, { mode: 0o755 });
  });
  const file = (name: string): string => path.join(scratch!, name);
  const session = useWorkbenchSession({
    name: 'reliability-trust',
    vsix: [PACKAGED_VSIX],
    workspaceTrust: true,
    openWorkspace: false,
    prepareWorkspace: writeApp,
    env: () => ({ [PROBE_OUT_ENV]: file('probe-report.json'), [PROBE_ATTEMPTS_ENV]: file('probe-attempts.json') }),
    userSettings: BASE_SETTINGS,
    extraArtifacts: () => ({ 'probe-report.json': readIfThere(file('probe-report.json')) }),
  });
  after(async () => {
    await removeDir(scratch);
  });
  const phase = async ({ settings, attempts }: Phase): Promise<ProbeReport> => {
    const { server, page, workspace } = session();
    await server.writeUserSettings({ ...BASE_SETTINGS, 'previewContainers.enginePath': file('count-engine'), ...settings });
    await fs.writeFile(file('probe-attempts.json'), JSON.stringify(attempts));
    await fs.rm(file('probe-report.json'), { force: true });
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${server.remoteAuthority}${file('probe')}`],
      ['skipWelcome', 'true'],
    ];
    // A fresh load each phase: extension enablement and workspace trust are decided at window start.
    await openWorkbench(page, `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    return eventually(async () => JSON.parse(await fs.readFile(file('probe-report.json'), 'utf8')) as ProbeReport, { timeoutMs: 60_000, intervalMs: 250 });
  };
  /** Engine calls recorded by the wrapper since the last call. */
  const engineCalls = async (): Promise<string[]> => {
    const text = await fs.readFile(file(ENGINE_CALLS), 'utf8').catch(() => '');
    await fs.rm(file(ENGINE_CALLS), { force: true });
    return text.split('\n').filter((l) => l !== '');
  };
  return { session, phase, engineCalls };
}

const ENGINE_CALLS = 'engine-calls.log';

describe('Reliability: workspace trust', function () {
  this.timeout(120_000);
  let engine: ContainerEngine;

  before(async function () {
    engine = await realEngine(this);
  });

  it('the manifest declares untrustedWorkspaces.supported: false and hides every starting command unless the workspace is trusted', async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, false);
    assert.equal(typeof manifest.capabilities.untrustedWorkspaces.description, 'string');
    assert.ok(!manifest.activationEvents.includes('*'), 'not activated everywhere');
    for (const command of STARTING_COMMANDS) {
      assert.ok(manifest.contributes.commands.some((c) => c.command === command), `${command} is contributed`);
      for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
        for (const item of items.filter((i) => i.command === command && !menu.startsWith('view/'))) {
          assert.match(item.when ?? '', /\bisWorkspaceTrusted\b/, `${menu} entry of ${command} is gated on trust`);
        }
      }
      assert.ok(manifest.contributes.menus['commandPalette']?.some((i) => i.command === command && /\bisWorkspaceTrusted\b/.test(i.when ?? '')), `${command} is hidden from the palette in untrusted workspaces`);
    }
  });

  async function assertNoContainer(workspace: string): Promise<void> {
    // Give a start that might have slipped through time to create its container.
    await delay(1500);
    const containers = await containersUnder(engine, workspace);
    await removeContainers(containers.map((c) => c.id));
    assert.deepEqual(containers.map((c) => c.name), [], 'containers started from an untrusted workspace');
  }

  describe('in code-server with workspace trust on, one window reloaded per phase', function () {
    const window = trustWindow();

    it('untrusted folder: the extension stays off — no starting command in the palette, executeCommand and the API find none, no container', async () => {
      const report = await window.phase({ settings: {}, attempts: STARTING_CALLS.map((c) => [c, 'web'] as const) });
      assert.equal(report.isTrusted, false, 'the folder is untrusted (Restricted Mode)');
      assert.notEqual(report.extensionActive, true, 'the extension is not active');
      assert.deepEqual(report.commandsBefore, [], 'no command of ours is registered');
      assert.equal(report.attempts.length, STARTING_CALLS.length);
      for (const attempt of report.attempts) {
        assert.equal(attempt.outcome, 'rejected', `${attempt.command} → ${JSON.stringify(attempt.result)}`);
        const unavailable = attempt.command.startsWith(API_PREFIX) ? new RegExp(`${EXTENSION_ID} is not available in this window`) : new RegExp(`command '${attempt.command.replace('.', '\\.')}' not found`);
        assert.match(attempt.error ?? '', unavailable);
      }
      const { page, workspace } = window.session();
      const labels = await paletteLabels(page, 'Preview Containers', 'Workspaces: Manage Workspace Trust');
      assert.deepEqual(labels.filter((l) => l.startsWith('Preview Containers:')), [], 'palette entries of ours');
      await assertNoContainer(workspace);
      figure('trust: untrusted folder', { attempts: report.attempts.length, refused: report.attempts.filter((a) => a.outcome === 'rejected').length, paletteEntries: 0, containers: 0 });
    });

    it('untrusted folder, extension forced on (extensions.supportUntrustedWorkspaces): the runtime guard refuses every start (commands and API), the palette hides them, no container; no lifecycle: 0 engine calls, a running container of the workspace untouched', async () => {
      const { workspace: folder } = window.session();
      // A container of this workspace's app, as an earlier trusted session would have left it running.
      const ref = makeAppRef(path.join(folder, 'web'), folder);
      const { stdout } = await execa('podman', [
        'run', '--detach', '--name', containerNameFor(ref),
        '--label', `${LABEL_MANAGED}=true`, '--label', `${LABEL_APP}=${ref.appId}`, '--label', `${LABEL_PORT}=34905`, '--label', `${LABEL_PATH}=${ref.key}`,
        TEST_IMAGE, 'node', '-e', 'setInterval(() => undefined, 1e9)',
      ]);
      const preexisting = stdout.trim();
      await window.engineCalls();
      try {
        await forcedOnChecks();
        await delay(3000); // activation's reconcile, the event stream and the reaper would have run by now
        const calls = await window.engineCalls();
        assert.deepEqual(calls, [], 'engine calls from the untrusted window');
        const still = (await containersUnder(engine, folder)).map((c) => [c.id, c.running]);
        assert.deepEqual(still, [[preexisting, true]], 'the running container is neither adopted away, stopped nor removed');
        figure('containment: untrusted, forced on', { engineCalls: calls.length, containersTouched: 0 });
      } finally {
        await removeContainers([preexisting]);
      }
    });

    async function forcedOnChecks(): Promise<void> {
      const report = await window.phase({
        settings: { 'extensions.supportUntrustedWorkspaces': { [EXTENSION_ID]: { supported: true } } },
        attempts: STARTING_CALLS.map((c) => [c, 'web'] as const),
      });
      assert.equal(report.attempts.length, STARTING_CALLS.length);
      assert.equal(report.isTrusted, false, 'the folder is untrusted (Restricted Mode)');
      assert.equal(report.extensionActive, true, 'forced on, the extension runs');
      for (const attempt of report.attempts) {
        if (attempt.command.startsWith(API_PREFIX)) {
          assert.equal(attempt.outcome, 'rejected', `${attempt.command} → ${JSON.stringify(attempt.result)}`);
          assert.equal(attempt.error, UNTRUSTED_MESSAGE, attempt.command);
        } else {
          // Commands show a failure as a notification and resolve to nothing (src/ui/commandRunner.ts).
          assert.equal(attempt.outcome, 'resolved', attempt.error);
          assert.equal(attempt.result, undefined, `${attempt.command} returned ${JSON.stringify(attempt.result)}`);
        }
      }
      const { page, workspace } = window.session();
      // The notification center keeps them: toasts without buttons hide themselves after a while.
      const shown = await eventually(() => notificationCenterMessages(page), { accept: (messages) => messages.some((m) => m.includes(UNTRUSTED_MESSAGE)), timeoutMs: 20_000 });
      const labels = await paletteLabels(page, 'Preview Containers', 'Preview Containers: Show Port Allocations');
      assert.deepEqual(labels.filter((l) => TITLES.includes(l)), [], 'starting commands in the palette');
      const created = (await containersUnder(engine, workspace)).filter((c) => c.name !== containerNameFor(makeAppRef(path.join(workspace, 'web'), workspace)));
      assert.deepEqual(created.map((c) => c.name), [], 'containers started from an untrusted workspace');
      figure('trust: runtime guard', {
        attempts: report.attempts.length,
        apiRejectedWithUntrustedError: report.attempts.filter((a) => a.error === UNTRUSTED_MESSAGE).length,
        commandsResolvedEmpty: report.attempts.filter((a) => !a.command.startsWith(API_PREFIX) && a.outcome === 'resolved' && a.result === undefined).length,
        untrustedNotifications: shown.filter((m) => m.includes(UNTRUSTED_MESSAGE)).length,
        containers: 0,
      });
    }

    it('control, workspace trust off: the same executeCommand and API start the app, and the palette lists the starting commands (so the checks above can fail)', async () => {
      const { page, workspace } = window.session();
      try {
        const report = await window.phase({ settings: { 'security.workspace.trust.enabled': false }, attempts: [['previewContainers.runApp', 'web'], [`${API_PREFIX}runApp`, 'web']] });
        assert.equal(report.isTrusted, true);
        const [command, api] = report.attempts;
        assert.equal(command?.outcome, 'resolved', command?.error);
        assert.equal(api?.outcome, 'resolved', api?.error);
        const result = command?.result as { appId?: string; port?: number } | undefined;
        assert.equal(result?.appId, 'web');
        assert.deepEqual(api?.result, command?.result, 'the API returns the running app');
        const containers = await containersUnder(engine, workspace);
        assert.deepEqual(containers.map((c) => [c.running, c.ports[0]?.hostPort]), [[true, result?.port]]);
        const labels = await paletteLabels(page, 'Preview Containers: Run App Container', 'Preview Containers: Show Port Allocations');
        assert.ok(labels.includes('Preview Containers: Run App Container'), labels.join(', '));
        assert.ok((await window.engineCalls()).length > 0, 'the engine-call counter counts (a trusted window calls the engine)');
      } finally {
        await removeContainers((await containersUnder(engine, workspace)).map((c) => c.id));
      }
    });
  });
});
