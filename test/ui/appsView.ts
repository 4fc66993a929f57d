import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { LOCAL_TEST_IMAGE } from '../../scripts/demoWorkspace';
import { eventually, reloadWorkbench, runPaletteCommand, treeItem, waitForWorkbench } from '../harness/workbench';

/** The Apps view of the workbench, shared by the UI tests of both engines. */

export async function openAppsView(page: Page): Promise<void> {
  const view = page.locator('[id="workbench.view.extension.previewContainers"]');
  // The activity bar item appears once the extension's contributions are read, which a loaded
  // machine can delay past a first click: click again until the view shows.
  await eventually(
    async () => {
      if (!(await view.isVisible())) {
        await page.locator('.activitybar .action-item a[aria-label^="Preview Containers"]').first().click({ timeout: 3000 });
      }
      await view.waitFor({ state: 'visible', timeout: 3000 });
    },
    { timeoutMs: 45_000 },
  );
}

/** The description ("`:32901 · running`") of an app's tree item. */
export async function appDescription(page: Page, name: string): Promise<string> {
  const item = treeItem(page, 'previewContainers', new RegExp(`^${name},`));
  return ((await item.locator('.label-description').textContent({ timeout: 2000 })) ?? '').trim();
}

export async function waitForDescription(page: Page, name: string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return eventually(() => appDescription(page, name), { timeoutMs, accept: (d) => pattern.test(d) });
}

/**
 * Runs a palette command that asks for an app, and picks it: type its name, check the focused row,
 * press Enter. The picker can reset its value while it finishes opening, so this repeats until the
 * picker has closed.
 */
export async function paletteWithApp(page: Page, title: string, app: string): Promise<void> {
  await runPaletteCommand(page, title);
  // Wait for the app picker itself (it carries the command's title), not the closing palette.
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title.replace(/^Preview Containers: /, '') }).waitFor({ state: 'visible', timeout: 10_000 });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name').first();
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await eventually(
    async () => {
      if (!(await input.isVisible())) {
        return;
      }
      if ((await input.inputValue()) !== app) {
        await input.fill(app);
      }
      assert.equal((await focused.textContent({ timeout: 1000 }))?.trim(), app);
      await input.press('Enter');
      await input.waitFor({ state: 'hidden', timeout: 1500 });
    },
    { timeoutMs: 20_000 },
  );
}

export async function hoverAction(page: Page, app: string, action: string): Promise<void> {
  const item = treeItem(page, 'previewContainers', new RegExp(`^${app},`));
  await item.hover();
  await item.locator(`.action-label[aria-label="${action}"]`).click();
}

/** Workspace settings of a UI test: the local image (nothing can be pulled here) and a pool of its own. */
/** What the UI tests' workspaces set: what runs inside their containers. */
export function uiSettings(): Record<string, unknown> {
  return { 'previewContainers.image': LOCAL_TEST_IMAGE, 'previewContainers.pullPolicy': 'never' };
}

/** The port pool is a user setting: a workspace's value is ignored (docs/SECURITY.md). */
export function userPool(range: { readonly start: number; readonly end: number }): Record<string, number> {
  return { 'previewContainers.portRange.start': range.start, 'previewContainers.portRange.end': range.end };
}

/** User settings that make the terminal render as DOM, so tests can read it (see terminalRows). */
export const TERMINAL_AS_DOM = { 'terminal.integrated.gpuAcceleration': 'off' } as const;

/** Runs each app from the palette and waits for its tree item to say `:<port> · running`; returns the ports (distinct, in the pool). */
export async function runAppsFromPalette(page: Page, apps: readonly string[], range: { readonly start: number; readonly end: number }): Promise<Map<string, number>> {
  await openAppsView(page);
  const ports = new Map<string, number>();
  for (const app of apps) {
    await paletteWithApp(page, 'Preview Containers: Run App Container', app);
    const description = await waitForDescription(page, app, /^:\d+ · running$/);
    const port = Number(/^:(\d+)/.exec(description)?.[1]);
    assert.ok(port >= range.start && port <= range.end, description);
    ports.set(app, port);
  }
  assert.equal(new Set(ports.values()).size, apps.length, `distinct ports: ${JSON.stringify([...ports])}`);
  return ports;
}

/** Reloads the window and waits until the tree shows every app running again on its port. */
export async function reloadAndWaitForApps(page: Page, ports: ReadonlyMap<string, number>): Promise<void> {
  await reloadWorkbench(page);
  await waitForWorkbench(page);
  await openAppsView(page);
  for (const [app, port] of ports) {
    await waitForDescription(page, app, new RegExp(`^:${port} · running$`));
  }
}
