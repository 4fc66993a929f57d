import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { AppRef } from '../src/core/appIdentity';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { makeController, TEST_IMAGE, TestWorkspace } from '../test/engine/helpers';
import { BrowserSession } from '../test/harness/browser';
import { CodeServer } from '../test/harness/codeServer';
import { requireChromium, requireCodeServer, requirePackagedVsix } from '../test/harness/prerequisites';
import { openWorkbench, quickInputRow, runPaletteCommand, webviewContent, webviewInnerFrame } from '../test/harness/workbench';
import { openAppsView, waitForDescription } from '../test/ui/appsView';
import type { Janitor } from './podman';
import { inMs, versus, type Row } from './report';
import { epochMs, summarize } from './stats';

/** P8's ports: the UI's pool, the controller's pool and code-server (this bench's share of 378xx). */
const UI_POOL = { start: 37850, end: 37859 };
const CORE_POOL = { start: 37860, end: 37869 };
const CODE_SERVER_PORT = 37892;
const RUN_TITLE = 'Preview Containers: Run App Container';

export interface PreviewFigures {
  readonly rows: Row[];
  readonly details: string[];
}

/**
 * The palette's Run of the workspace's only app, from the click on the command to its page's
 * heading rendered inside the preview tab (openPreviewOnRun: tab, the default). Then Stop and close
 * the tab, so every sample starts as a user's first Run does: no container, no tab.
 */
interface UiSample {
  readonly totalMs: number;
  /** Where the time went: click → the tree says running (the run, in the extension host), → the frame's src is set (tab, webview, URL choice), → the page rendered. */
  readonly stages: readonly [number, number, number];
}

async function uiRun(page: Page, app: string): Promise<UiSample> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(`>${RUN_TITLE}`);
  const row = quickInputRow(page, RUN_TITLE).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  const t0 = epochMs();
  await row.click();
  const at = (waiting: Promise<void>): Promise<number> => waiting.then(() => epochMs());
  const [running, framed, rendered] = await Promise.all([
    at(page.locator('[id="workbench.view.extension.previewContainers"] .label-description', { hasText: '· running' }).first().waitFor({ state: 'visible', timeout: 60_000 })),
    at(webviewContent(page).locator('#app-frame[src]').waitFor({ state: 'attached', timeout: 60_000 })),
    at(webviewInnerFrame(page, '#app-frame').locator('h1', { hasText: app }).waitFor({ state: 'visible', timeout: 60_000 })),
  ]);
  await runPaletteCommand(page, 'Preview Containers: Stop App Container');
  await waitForDescription(page, app, /· stopped$/);
  await runPaletteCommand(page, 'View: Close All Editors');
  return { totalMs: rendered - t0, stages: [running - t0, framed - running, rendered - framed] };
}

/** The same app kind started by the controller itself (as the engine bench's P1), until it answers; then stopped. */
async function coreRun(controller: ReturnType<typeof makeController>['controller'], app: AppRef, janitor: Janitor): Promise<number> {
  const t0 = epochMs();
  const result = await controller.run({ ref: app });
  const ms = epochMs() - t0;
  janitor.container(result.containerId);
  await controller.stop(app);
  return ms;
}

/**
 * P8: the whole path a user sees — palette "Run App Container" → the app's page rendered in the
 * preview tab (code-server + Chromium, the packaged .vsix) — beside the controller's own run →
 * answering of the same kind of app, interleaved in the same run.
 */
export async function benchPreviewPath(engine: ContainerEngine, janitor: Janitor, reps: number, log: (line: string) => void): Promise<PreviewFigures> {
  requireCodeServer();
  requireChromium();
  const vsix = requirePackagedVsix();
  const uiSpace = janitor.workspace(await TestWorkspace.create('pc-bench-p8-ui'));
  await uiSpace.addApp('p8ui');
  await fs.mkdir(path.join(uiSpace.root, '.vscode'), { recursive: true });
  await fs.writeFile(path.join(uiSpace.root, '.vscode', 'settings.json'), JSON.stringify({ 'previewContainers.image': TEST_IMAGE, 'previewContainers.pullPolicy': 'never', 'previewContainers.packageCacheVolume': '' }));
  const coreSpace = janitor.workspace(await TestWorkspace.create('pc-bench-p8-core'));
  const coreApp = await coreSpace.addApp('p8core');
  const fixture = makeController(engine, { ...CORE_POOL, events: true });
  const server = await CodeServer.start({
    name: 'bench-p8',
    vsix: [vsix],
    port: CODE_SERVER_PORT,
    workspace: uiSpace.root,
    userSettings: { 'previewContainers.portRange.start': UI_POOL.start, 'previewContainers.portRange.end': UI_POOL.end, 'workbench.startupEditor': 'none' },
  });
  // Also stopped by PID if the bench is interrupted (the janitor's clean-up; the finally below otherwise).
  janitor.process(server.pid);
  let browser: BrowserSession | undefined;
  const ui: UiSample[] = [];
  const core: number[] = [];
  try {
    const [launched] = await Promise.all([BrowserSession.launch(), server.warmUp()]);
    browser = launched;
    janitor.process(browser.pid);
    const page = browser.page;
    await openWorkbench(page, server.folderUrl(uiSpace.root));
    await openAppsView(page);
    await waitForDescription(page, 'p8ui', /stopped|^$/);
    // One of each first, not counted: the extension activates, the page cache and podman warm up.
    log(`P8 warm-up: UI ${(await uiRun(page, 'p8ui')).totalMs.toFixed(0)} ms, controller ${(await coreRun(fixture.controller, coreApp, janitor)).toFixed(0)} ms`);
    for (let i = 0; i < reps; i++) {
      const order = i % 2 === 0 ? ['ui', 'core'] : ['core', 'ui'];
      for (const which of order) {
        if (which === 'ui') {
          ui.push(await uiRun(page, 'p8ui'));
        } else {
          core.push(await coreRun(fixture.controller, coreApp, janitor));
        }
      }
      log(`P8 ${i + 1}/${reps}: palette → page in the tab ${ui[i]?.totalMs.toFixed(0)} ms (${ui[i]?.stages.map((ms) => ms.toFixed(0)).join(' + ')}), controller run → answering ${core[i]?.toFixed(0)} ms`);
    }
  } finally {
    await browser?.close();
    janitor.processEnded(browser?.pid);
    await server.stop();
    janitor.processEnded(server.pid);
    await fixture.stopEvents();
  }
  const oursMs = inMs(ui.map((s) => s.totalMs));
  const stage = (index: 0 | 1 | 2): string => summarize(ui.map((s) => s.stages[index])).median.toFixed(0);
  const baseMs = inMs(core);
  const extra = oursMs.summary.median - baseMs.summary.median;
  return {
    rows: [
      {
        id: 'P8',
        what: 'palette "Run App Container" → the page rendered in the preview tab (code-server + Chromium)',
        ours: oursMs,
        baseline: baseMs,
        versus: versus(oursMs, baseMs),
        target: '≤ +300 ms',
        ok: extra <= 300,
      },
    ],
    details: [
      `P8 stages (medians): click → the tree says running ${stage(0)} ms (the run inside the extension host), → the frame's src set ${stage(1)} ms (the tab, its webview, asExternalUri, the page's URL choice), → the page rendered ${stage(2)} ms.`,
      `P8: the UI path is timed from the click on the palette row to the app's <h1> inside the preview tab's frame (Playwright waits for it); it includes the command's progress notification, the tab's webview, the page's reachability probe and the frame's load. The baseline is the controller's run → answering of the same app kind in the bench's own process, interleaved with the UI samples. Both stop the app between samples, so each run replaces a stopped container.`,
    ],
  };
}
