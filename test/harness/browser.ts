import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { makeTempDir, removeDir, requireChromium } from './prerequisites';
import { isAlive, liveChildren, recordPid, stopGroup } from './processGroup';
import { orTimeout } from './timing';

/** Headless by default; HEADED=1 shows the window (needs a display: use xvfb-run without one). */
export function headedRequested(): boolean {
  return process.env['HEADED'] === '1';
}

/** Throws when HEADED=1 is asked for without a display to show the window on. */
export function requireDisplayIfHeaded(): void {
  if (headedRequested() && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    throw new Error('HEADED=1 needs a display. Without one, run it under xvfb-run: HEADED=1 xvfb-run -a npm run test:ui');
  }
}

const MAX_CONSOLE_LINES = 300;

/** One Chromium (persistent context on a throw-away profile) and its first page. */
export class BrowserSession {
  private closed = false;
  private readonly consoleLines: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    /** Chromium's PID (leader of its own process group: Playwright starts it detached). */
    readonly pid: number | undefined,
    private readonly profileDir: string,
  ) {
    const remember = (line: string): void => {
      this.consoleLines.push(line);
      if (this.consoleLines.length > MAX_CONSOLE_LINES) {
        this.consoleLines.shift();
      }
    };
    page.on('console', (message) => remember(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => remember(`[pageerror] ${error.message}`));
    // A module request lost in flight leaves no console line of its own in some cases; keep it.
    page.on('requestfailed', (request) => remember(`[requestfailed] ${request.failure()?.errorText ?? '?'} ${request.url()}`));
  }

  /**
   * `allowThirdPartyCookies`: this Chromium blocks third-party cookies by default, and a preview
   * frame is a third-party context inside the workbench page; VS Code desktop (Electron) and many
   * browsers allow them. Set it to test what apps do with cookies in a preview.
   */
  static async launch(options: { readonly allowThirdPartyCookies?: boolean; readonly extraArgs?: readonly string[] } = {}): Promise<BrowserSession> {
    const executablePath = requireChromium();
    requireDisplayIfHeaded();
    const headed = headedRequested();
    const before = new Set(await liveChildren(process.pid));
    const profileDir = await makeTempDir('chromium');
    let context: BrowserContext | undefined;
    try {
      if (options.allowThirdPartyCookies) {
        await fs.promises.mkdir(path.join(profileDir, 'Default'), { recursive: true });
        await fs.promises.writeFile(path.join(profileDir, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }));
      }
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath,
        headless: !headed,
        slowMo: headed ? Number(process.env['SLOW_MO'] ?? 0) : 0,
        viewport: { width: 1400, height: 900 },
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          ...(options.extraArgs ?? []),
        ],
      });
      const pid = await chromiumPid(profileDir, before);
      if (pid === undefined) {
        console.warn('[harness] could not tell Chromium\'s PID; it will be stopped through Playwright only');
      } else {
        recordPid('chromium', pid);
      }
      const page = context.pages()[0] ?? (await context.newPage());
      return new BrowserSession(context, page, pid, profileDir);
    } catch (error) {
      await context?.close().catch(() => undefined);
      await removeDir(profileDir);
      throw error;
    }
  }

  /** How many console lines so far mention `text` (e.g. a network error Chromium reported). */
  consoleCount(text: string): number {
    return this.consoleLines.filter((line) => line.includes(text)).length;
  }

  consoleTail(lines = 80): string {
    return this.consoleLines.slice(-lines).join('\n');
  }

  /** Closes the browser, then makes sure its process group is gone (by PID). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      await orTimeout(this.context.close().catch(() => undefined), 10_000);
      if (this.pid !== undefined) {
        await stopGroup(this.pid);
      }
    } finally {
      await removeDir(this.profileDir);
    }
  }
}

/**
 * Playwright does not expose the PID of a persistent context's browser. Chromium writes it into
 * the profile's SingletonLock link (`<host>-<pid>`); check it is our own new child before trusting it.
 */
async function chromiumPid(profileDir: string, childrenBefore: ReadonlySet<number>): Promise<number | undefined> {
  const newChildren = (await liveChildren(process.pid)).filter((pid) => !childrenBefore.has(pid));
  try {
    const target = await fs.promises.readlink(path.join(profileDir, 'SingletonLock'));
    const pid = Number(target.slice(target.lastIndexOf('-') + 1));
    if (newChildren.includes(pid) && (await isAlive(pid))) {
      return pid;
    }
  } catch {
    // No lock link: fall back to the one new child, if there is exactly one.
  }
  return newChildren.length === 1 ? newChildren[0] : undefined;
}
