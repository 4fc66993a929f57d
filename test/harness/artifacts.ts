import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { BrowserSession } from './browser';
import type { CodeServer } from './codeServer';
import { REPO_ROOT } from './prerequisites';

export const ARTIFACTS_ROOT = path.join(REPO_ROOT, '.test-artifacts');

export interface FailureContext {
  readonly page?: Page | undefined;
  readonly server?: CodeServer | undefined;
  readonly browser?: BrowserSession | undefined;
  /** More files to write: name → content. */
  readonly extra?: Readonly<Record<string, string>>;
}

const LOG_TAIL_LINES = 40;

/** The extension's "Preview Containers" log channel files, as each extension host wrote them, oldest first. */
export async function extensionLogFiles(userDataDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.name === 'Preview Containers.log') {
        found.push(full);
      }
    }
  };
  await walk(path.join(userDataDir, 'logs'));
  return found.sort();
}

/** The text of every extension log file (see extensionLogFiles). */
export async function extensionLog(userDataDir: string): Promise<string> {
  return (await Promise.all((await extensionLogFiles(userDataDir)).map((file) => fs.promises.readFile(file, 'utf8')))).join('\n');
}

export function artifactsDir(testName: string): string {
  const safe = testName.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 120) || 'unnamed';
  return path.join(ARTIFACTS_ROOT, safe);
}

/**
 * Saves what explains a failure under `.test-artifacts/<test name>/` (screenshot, code-server log,
 * browser console) and returns text to append to the failure message: where they are and the
 * code-server log tail. Never throws: it runs while a test is already failing.
 */
export async function saveFailureArtifacts(testName: string, context: FailureContext): Promise<string> {
  const dir = artifactsDir(testName);
  const notes: string[] = [];
  try {
    await fs.promises.rm(dir, { recursive: true, force: true });
    await fs.promises.mkdir(dir, { recursive: true });
    if (context.page !== undefined && !context.page.isClosed()) {
      await context.page
        .screenshot({ path: path.join(dir, 'screenshot.png'), timeout: 10_000 })
        .catch((error: Error) => notes.push(`no screenshot: ${error.message}`));
    }
    if (context.server !== undefined) {
      await fs.promises.copyFile(context.server.logFile, path.join(dir, 'code-server.log')).catch(() => undefined);
      const logs = await extensionLogFiles(context.server.userDataDir);
      for (const [index, file] of logs.entries()) {
        await fs.promises.copyFile(file, path.join(dir, `extension-${index + 1}.log`)).catch(() => undefined);
      }
    }
    if (context.browser !== undefined) {
      await fs.promises.writeFile(path.join(dir, 'browser-console.log'), context.browser.consoleTail(300));
    }
    for (const [name, content] of Object.entries(context.extra ?? {})) {
      await fs.promises.writeFile(path.join(dir, name), content);
    }
  } catch (error) {
    notes.push(`saving artifacts failed: ${(error as Error).message}`);
  }
  const tail = context.server === undefined ? '' : `\n--- code-server log (last ${LOG_TAIL_LINES} lines) ---\n${context.server.logTail(LOG_TAIL_LINES)}`;
  return `\nartifacts: ${path.relative(process.cwd(), dir) || dir}${notes.length ? ` (${notes.join('; ')})` : ''}${tail}`;
}
