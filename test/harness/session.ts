import type { Page } from 'playwright-core';
import { saveFailureArtifacts, type FailureContext } from './artifacts';
import { BrowserSession, requireDisplayIfHeaded } from './browser';
import { CodeServer, type CodeServerOptions } from './codeServer';
import { makeTempDir, removeDir, requireChromium, requireCodeServer } from './prerequisites';
import { openWorkbench } from './workbench';

export interface WorkbenchSession {
  readonly server: CodeServer;
  readonly browser: BrowserSession;
  readonly page: Page;
  /** The (throw-away) folder the window has open. */
  readonly workspace: string;
}

export interface SessionOptions extends Omit<CodeServerOptions, 'workspace' | 'env'> {
  /** Extra server environment; a function is called when the server starts. */
  readonly env?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  /** More files to save with the artifacts of a failed test: name → content. */
  readonly extraArtifacts?: () => Readonly<Record<string, string>>;
  /** Fills the throw-away workspace folder before code-server starts. */
  readonly prepareWorkspace?: (folder: string) => Promise<void>;
  /** Open the workspace in the page once started (default true). */
  readonly openWorkspace?: boolean;
  /** Let the browser keep third-party cookies (see BrowserSession.launch). */
  readonly allowThirdPartyCookies?: boolean;
}

/**
 * One code-server and one browser for a whole mocha `describe` (started in `before`, stopped by
 * PID in `after` even when tests fail); on a failed test, artifacts are saved and the code-server
 * log tail is appended to the failure message. Call it inside `describe`.
 */
export function useWorkbenchSession(options: SessionOptions): () => WorkbenchSession {
  let workspace: string | undefined;
  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  let session: WorkbenchSession | undefined;
  const failureContext = (): FailureContext => ({ page: browser?.page, server, browser, extra: options.extraArtifacts?.() ?? {} });

  before(async function () {
    this.timeout(120_000);
    try {
      // Both checked before anything starts, so a missing one fails fast.
      requireCodeServer();
      requireChromium();
      requireDisplayIfHeaded();
      workspace = await makeTempDir(`workspace-${options.name}`);
      await options.prepareWorkspace?.(workspace);
      const env = typeof options.env === 'function' ? options.env() : options.env;
      server = await CodeServer.start({ ...options, env, workspace });
      const [launched] = await Promise.all([BrowserSession.launch({ allowThirdPartyCookies: options.allowThirdPartyCookies ?? false }), server.warmUp()]);
      browser = launched;
      if (options.openWorkspace ?? true) {
        await openWorkbench(browser.page, server.folderUrl(workspace));
      }
      session = { server, browser, page: browser.page, workspace };
    } catch (error) {
      const report = await saveFailureArtifacts(`${options.name}-start`, failureContext());
      throw appendToError(error, report);
    }
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state === 'failed') {
      const report = await saveFailureArtifacts(test.fullTitle(), failureContext());
      // Reporters print failures at the end, from this same error object.
      const err = (test as { err?: unknown }).err;
      if (err instanceof Error) {
        err.message += report;
      }
    }
  });

  after(async function () {
    this.timeout(60_000);
    // Each step runs even when an earlier one throws; the first error is reported.
    const errors: unknown[] = [];
    for (const step of [() => browser?.close(), () => server?.stop(), () => removeDir(workspace)]) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
    }
  });

  return () => {
    if (session === undefined) {
      throw new Error('the workbench session is not started (use it inside tests of the same describe)');
    }
    return session;
  };
}

export function appendToError(error: unknown, text: string): Error {
  if (error instanceof Error) {
    error.message += text;
    return error;
  }
  return new Error(String(error) + text);
}
