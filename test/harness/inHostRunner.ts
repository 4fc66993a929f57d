import type { Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { PHASE_PASSED_MARKER, setRunnerReloads, SUITE_START_MARKER, writePhase } from './phaseState';
import { orTimeout } from './timing';
import { saveWorkbenchState } from './workbench';

export interface InHostSuiteOptions {
  readonly server: CodeServer;
  readonly page: Page;
  /** Absolute path of the extension under development (folder with package.json). */
  readonly extensionPath: string;
  /** Absolute path of the compiled suite entry exporting `run(): Promise<void>`. */
  readonly testsEntry: string;
  /** Absolute path of the folder the window opens. */
  readonly workspace: string;
  /** The folder named by STATE_DIR_ENV in the server's environment (phase file, records). */
  readonly stateDir: string;
  /** Called with each line the suite logs from its start marker on (workbench chatter before it is only kept). */
  readonly onLine?: (line: string) => void;
}

export interface PhaseResult {
  readonly phase: number;
  readonly exitCode: number;
  readonly output: string;
}

/**
 * Runs an in-host mocha suite the way `@vscode/test-web` does: the workbench URL carries
 * extensionDevelopmentPath and extensionTestsPath, and the workbench reports through
 * `window.codeAutomationLog` / `window.codeAutomationExit`. Phases after the first reload the window
 * (same browser context, so the same browser storage where the web workbench keeps globalState).
 */
export class InHostSuite {
  private readonly lines: string[] = [];
  private onExit: ((code: number) => void) | undefined;
  private installed = false;
  private echoing = false;
  private phasesRun = 0;

  constructor(private readonly options: InHostSuiteOptions) {}

  get url(): string {
    const { server, extensionPath, testsEntry, workspace } = this.options;
    const remote = (p: string): string => `vscode-remote://${server.remoteAuthority}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(extensionPath)],
      ['extensionTestsPath', remote(testsEntry)],
      ['skipWelcome', 'true'],
    ];
    return `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }

  /** All output collected so far. */
  get output(): string {
    return this.lines.join('\n');
  }

  private async install(): Promise<void> {
    if (this.installed) {
      return;
    }
    this.installed = true;
    // Exposed functions survive navigations, so one registration serves every phase.
    await this.options.page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      const parts = Array.isArray(args) ? args : [args];
      const text = parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
      for (const line of text.split('\n')) {
        const tagged = type === 'error' || type === 'warn' ? `[${String(type)}] ${line}` : line;
        this.lines.push(tagged);
        if (line.startsWith(PHASE_PASSED_MARKER)) {
          this.onExit?.(0);
        }
        this.echoing ||= line.includes(SUITE_START_MARKER);
        if (this.echoing) {
          this.options.onLine?.(tagged);
        }
      }
    });
    await this.options.page.exposeFunction('codeAutomationExit', (code: unknown) => {
      this.onExit?.(typeof code === 'number' ? code : 1);
    });
  }

  /**
   * Runs the next phase (1, then 2 after a window reload, …) and resolves when the suite exits, or,
   * with `thenReload`, when it reports that it passed: it then stays alive, and the workbench's
   * state is saved with its extension host running, so that the reload that starts the next phase
   * is the one a user makes.
   */
  async runNextPhase(options: { thenReload?: boolean; timeoutMs?: number } = {}): Promise<PhaseResult> {
    const timeoutMs = options.timeoutMs ?? 240_000;
    await this.install();
    const phase = ++this.phasesRun;
    writePhase(this.options.stateDir, phase);
    setRunnerReloads(this.options.stateDir, options.thenReload === true);
    this.echoing = false;
    const firstLine = this.lines.length;
    const exited = new Promise<number>((resolve) => (this.onExit = resolve));
    const { page } = this.options;
    if (phase === 1) {
      await page.goto(this.url, { waitUntil: 'domcontentloaded' });
    } else {
      await page.reload({ waitUntil: 'domcontentloaded' });
    }
    const outcome = await orTimeout(exited, timeoutMs);
    this.onExit = undefined;
    const output = this.lines.slice(firstLine).join('\n');
    if (outcome === 'timeout') {
      throw new Error(`in-host suite phase ${phase} did not finish within ${timeoutMs / 1000}s\n--- suite output ---\n${output}`);
    }
    if (outcome === 0 && options.thenReload) {
      await saveWorkbenchState(page);
    }
    return { phase, exitCode: outcome, output };
  }
}
