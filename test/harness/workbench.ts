import type { FrameLocator, Locator, Page } from 'playwright-core';
import { delay } from './timing';

/**
 * Generic helpers for driving the VS Code workbench (code-server) from Playwright. Selectors are
 * the ones verified against VS Code 1.100; keep feature-specific knowledge out of this file.
 */

export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
}

export async function openWorkbench(page: Page, url: string, timeoutMs = 60_000): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await waitForWorkbench(page, timeoutMs);
}

/**
 * Makes the workbench save its state (open editors, views) now, as it does when its window loses
 * focus. Headless Chromium never loses focus, and a bare reload leaves that save to the unload
 * handler, where IndexedDB may close before the write lands ("IndexedDB database 'vscode-web-db'
 * is closed"): open editors then sometimes did not come back, whatever the extension did.
 */
export async function saveWorkbenchState(page: Page): Promise<void> {
  // The workbench flushes its storage when the host reports focus lost (document.hasFocus() read
  // on visibilitychange); report it once, then put the real answer back. (A string: no DOM types here.)
  await page.evaluate(`(() => {
    const real = document.hasFocus.bind(document);
    document.hasFocus = () => false;
    document.dispatchEvent(new Event('visibilitychange'));
    document.hasFocus = real;
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
  await delay(1000); // the flush is an IndexedDB transaction the page does not expose
}

/** Reloads the window the way a user's would be: state saved, extension host alive until the reload. */
export async function reloadWorkbench(page: Page): Promise<void> {
  await saveWorkbenchState(page);
  await page.reload({ waitUntil: 'domcontentloaded' });
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The quick-input row whose `.label-name` is exactly `label`. */
export function quickInputRow(page: Page, label: string): Locator {
  return page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
}

/**
 * Runs a command from the palette by its full title as shown there ("Category: Title").
 * While the workbench is starting, the palette lists only the commands known when it opened and
 * closes when focus moves, so it is reopened until the row shows up.
 */
export async function runPaletteCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = quickInputRow(page, title).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (!(await input.isVisible())) {
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 3000 });
      }
      await input.fill(`>${title}`, { timeout: 2000 });
      await row.waitFor({ state: 'visible', timeout: 2000 });
      // Playwright clicks only once the row is actionable, so a click that timed out did not happen.
      await row.click({ timeout: 2000 });
      break;
    } catch (error) {
      if (Date.now() >= deadline) {
        throw new Error(`palette command "${title}" not found within ${timeoutMs / 1000}s: ${(error as Error).message}`, { cause: error });
      }
      if (await input.isVisible()) {
        await page.keyboard.press('Escape');
      }
      await delay(300);
    }
  }
  // The palette closes, or the same input is reused at once by a picker the command opens (its
  // value no longer starts with ">").
  const closeDeadline = Date.now() + 10_000;
  while ((await input.isVisible()) && (await input.inputValue().catch(() => '')).startsWith('>')) {
    if (Date.now() >= closeDeadline) {
      throw new Error(`the palette did not close after running "${title}"`);
    }
    await delay(100);
  }
}

/** The little of the DOM used in page functions (the tsconfig has no DOM lib, on purpose). */
interface DomElement {
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  querySelector(selector: string): DomElement | null;
  readonly textContent: string | null;
  readonly style: { readonly top: string };
  readonly offsetHeight: number;
}

/** Label of the active editor tab (e.g. "Port Allocations.json"). */
export async function activeTabTitle(page: Page): Promise<string> {
  const tab = page.locator('.editor-group-container.active .tabs-container .tab.active .label-name').first();
  return (await tab.textContent({ timeout: 10_000 }))?.trim() ?? '';
}

/**
 * Text of the active editor, read from the rendered lines. Monaco renders only the visible lines,
 * so this throws (instead of returning part of the text) unless line 1 is rendered and the lines
 * leave room below them, i.e. the whole document is on screen.
 */
export async function activeEditorText(page: Page): Promise<string> {
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  await editor.locator('.view-lines .view-line').first().waitFor({ state: 'attached', timeout: 10_000 });
  const result = await editor.evaluate((root: DomElement) => {
    const rendered = Array.from(root.querySelectorAll('.view-lines .view-line'));
    const lines = rendered
      .map((line) => ({ top: parseFloat(line.style.top || '0'), text: line.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text.replace(/\u00a0/g, ' '));
    const lineNumbers = Array.from(root.querySelectorAll('.margin-view-overlays .line-numbers')).map((n) => (n.textContent ?? '').trim());
    const lineHeight = rendered[0]?.offsetHeight ?? 0;
    const room = lineHeight > 0 ? Math.floor(root.offsetHeight / lineHeight) : 0;
    const complete = lines.length < room && (lineNumbers.length === 0 || lineNumbers.includes('1'));
    return { text: lines.join('\n'), complete };
  });
  if (!result.complete) {
    throw new Error('the active editor shows only part of its text (scrolled, or longer than the viewport)');
  }
  return result.text;
}

/** Polls `read` until it returns without throwing (and `accept` holds), or times out with its last error. */
export async function eventually<T>(
  read: () => Promise<T>,
  { timeoutMs = 15_000, intervalMs = 200, accept = (): boolean => true }: { timeoutMs?: number; intervalMs?: number; accept?: (value: T) => boolean } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (accept(value)) {
        return value;
      }
      last = new Error(`value not accepted: ${JSON.stringify(value)}`);
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      throw last instanceof Error ? last : new Error(String(last));
    }
    await delay(intervalMs);
  }
}

/** Notification toasts currently shown. */
export function notificationToasts(page: Page): Locator {
  return page.locator('.notifications-toasts .notification-toast');
}

/** Messages of the notification toasts currently shown. */
export async function notificationMessages(page: Page): Promise<string[]> {
  return (await notificationToasts(page).locator('.notification-list-item-message').allTextContents()).map((t) => t.trim());
}

/**
 * Messages of every notification of the window, from the notification center (toasts of warnings
 * and infos hide themselves after a while; the center keeps them). Leaves the center closed.
 */
export async function notificationCenterMessages(page: Page): Promise<string[]> {
  const center = page.locator('.notifications-center');
  if (!(await center.isVisible())) {
    await runPaletteCommand(page, 'Notifications: Show Notifications');
    await center.waitFor({ state: 'visible', timeout: 5000 });
  }
  try {
    return (await center.locator('.notification-list-item-message').allTextContents()).map((t) => t.trim());
  } finally {
    await page.keyboard.press('Escape');
  }
}

/** A tree item inside a contributed view container (`contributes.viewsContainers[].id`). */
export function treeItem(page: Page, containerId: string, name: string | RegExp): Locator {
  return page.locator(`[id="workbench.view.extension.${containerId}"]`).getByRole('treeitem', { name });
}

/** The content of the visible webview (its `#active-frame`); hidden, retained webviews stay in the DOM. */
export function webviewContent(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('#active-frame');
}

/** An iframe inside the active webview's HTML (e.g. a preview of an app). */
export function webviewInnerFrame(page: Page, selector = 'iframe'): FrameLocator {
  return webviewContent(page).frameLocator(selector);
}

/**
 * The rendered rows of the terminal in the panel. Needs `terminal.integrated.gpuAcceleration: off`
 * (xterm's DOM renderer: text and colour classes such as `xterm-fg-1` are in the DOM).
 */
export function terminalRows(page: Page): Locator {
  return page.locator('.part.panel .terminal-wrapper.active .xterm-rows').first();
}
