import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import type { Page, Response } from 'playwright-core';
import { makeAppRef, type AppRef } from '../../src/core/appIdentity';
import type { AppDefinition } from '../../src/core/appFolder';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { BrowserSession } from '../harness/browser';
import { CodeServer } from '../harness/codeServer';
import { containersUnder, removeContainers, removeDependencyVolumes } from '../harness/containers';
import { makeTempDir, removeDir } from '../harness/prerequisites';
import { makeController, realEngine, type ControllerFixture } from '../engine/helpers';
import { corpusDir, type CorpusTemplate } from './templates';

/** What one template did; the rows of docs/COMPATIBILITY.md. */
export interface CorpusResult {
  readonly id: string;
  plan: string;
  coldMs?: number;
  warmMs?: number;
  hmr?: string;
  result: 'pass' | 'fail';
  why: string;
}

/** corepack is made to fail in every app container: the product must not need it. */
const FAILING_COREPACK = { COREPACK_NPM_REGISTRY: 'http://127.0.0.1:9' };

/**
 * One workspace, one controller (through `makeController`, as the product composes it), one
 * browser and one test-specific package cache volume; `dispose` removes all of it.
 */
export class CorpusRun {
  readonly results: CorpusResult[] = [];
  private browser: BrowserSession | undefined;

  private constructor(
    readonly engine: ContainerEngine,
    readonly root: string,
    readonly fixture: ControllerFixture,
    readonly cacheVolume: string,
    private readonly browserArgs: readonly string[],
  ) {}

  static async create(engine: ContainerEngine, options: { ports: { start: number; end: number }; label: string; browserArgs?: readonly string[] }): Promise<CorpusRun> {
    const root = await makeTempDir(`corpus-${options.label}`);
    const cacheVolume = `pc-test-pkg-cache-${options.label}-${process.pid}`;
    const fixture = makeController(engine, {
      ...options.ports,
      // Installs of Angular or Docusaurus on two shared cores take minutes.
      settings: { startupTimeoutSeconds: 900, packageCacheVolume: cacheVolume },
      events: true,
    });
    return new CorpusRun(engine, root, fixture, cacheVolume, options.browserArgs ?? []);
  }

  async page(): Promise<Page> {
    this.browser ??= await BrowserSession.launch({ extraArgs: this.browserArgs });
    return this.browser.page;
  }

  consoleTail(): string {
    return this.browser?.consoleTail(40) ?? '';
  }

  /**
   * Loads `url` and waits for `text`. Chromium aborts requests in flight when the machine's network
   * interfaces change (net::ERR_NETWORK_CHANGED: podman brings a container's interface up or down),
   * and a module script lost that way is not retried: the page then never shows the text (seen
   * once in a corpus run, on a warm start). When that error came meanwhile, it reloads once, as a
   * user would. Returns the response to the first load.
   */
  async showsAfterNetworkChange(page: Page, url: string, text: string): Promise<Response | null> {
    const changed = (): number => this.browser?.consoleCount('ERR_NETWORK_CHANGED') ?? 0;
    const before = changed();
    let reloaded = false;
    const response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 180_000 });
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        await page.getByText(text, { exact: false }).first().waitFor({ timeout: 5000 });
        return response;
      } catch (error) {
        if (Date.now() > deadline) {
          throw error;
        }
      }
      if (!reloaded && changed() > before) {
        reloaded = true;
        console.warn('      [corpus] Chromium reported net::ERR_NETWORK_CHANGED during the load; reloading once');
        await page.reload({ waitUntil: 'domcontentloaded', timeout: 180_000 });
      }
    }
  }


  /** Copies the cached template into the workspace (the cache stays pristine). */
  async addApp(template: CorpusTemplate, folderName = template.id): Promise<AppDefinition> {
    const source = path.join(corpusDir(), template.id);
    await fs.access(path.join(source, '.corpus-complete')).catch(() => {
      throw new Error(`corpus template ${template.id} is not fetched (${source}): run npm run setup`);
    });
    const copy = path.join(this.root, folderName);
    await fs.cp(source, copy, { recursive: true });
    const folder = template.appPath === undefined ? copy : path.join(copy, template.appPath);
    const ref = makeAppRef(folder, this.root);
    return { ref, override: { path: folder, env: FAILING_COREPACK } };
  }

  /**
   * Runs the app through the controller; returns how long it took, the controller's URL and the
   * preview tab's origin (`http://<appId>.localhost:<port>/`, what users look at).
   */
  async start(def: AppDefinition): Promise<{ url: string; previewUrl: string; port: number; ms: number; containerId: string }> {
    const started = Date.now();
    const result = await this.fixture.controller.run(def);
    const previewUrl = `http://${def.ref.appId}.localhost:${result.port}/`;
    return { url: result.url, previewUrl, port: result.port, ms: Date.now() - started, containerId: result.containerId };
  }

  /** The plan the controller logged for the app ("vite (pnpm)"). */
  planOf(ref: AppRef): string {
    const line = [...this.fixture.logger.lines].reverse().find((l) => l.message.startsWith(`Starting ${ref.appId}: `));
    return /^Starting [^:]+: (\S+ \(\w+\))/.exec(line?.message ?? '')?.[1] ?? '?';
  }

  /** corepack really fails inside the app's container (so the app cannot have used it). */
  async assertCorepackFails(containerId: string): Promise<void> {
    const result = await execa('podman', ['exec', containerId, 'sh', '-c', 'cd /tmp && corepack pnpm --version'], { reject: false, stdin: 'ignore', timeout: 60_000 });
    assert.notEqual(result.exitCode, 0, `corepack was expected to fail in the container, but printed: ${result.stdout}`);
  }

  async logsOf(containerId: string): Promise<string> {
    return (await this.engine.logs(containerId, 400).catch(() => [])).join('\n');
  }

  async dispose(): Promise<void> {
    try {
      await this.browser?.close();
    } finally {
      await this.fixture.stopEvents();
      await removeContainers((await containersUnder(this.engine, this.root)).map((c) => c.id));
      await removeDependencyVolumes(await appsUnder(this.root));
      await execa('podman', ['volume', 'rm', '--force', this.cacheVolume], { reject: false, stdin: 'ignore' });
      await removeDir(this.root);
    }
  }
}

async function appsUnder(root: string): Promise<AppRef[]> {
  const entries = await fs.readdir(root).catch(() => []);
  return entries.map((name) => makeAppRef(path.join(root, name), root));
}

/** Waits for the template's own client-rendered text; checks it came from client code. */
export async function assertRendered(page: Page, url: string, template: CorpusTemplate): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 180_000 });
  await page.getByText(template.clientText, { exact: false }).first().waitFor({ timeout: 180_000 });
  // A first load can still trigger a dependency re-optimization and its one reload (Vite): let it
  // settle, as a user would before editing, so the reload marker below measures the edit only.
  await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => undefined);
  await page.waitForTimeout(2000);
  await page.getByText(template.clientText, { exact: false }).first().waitFor({ timeout: 180_000 });
  if (template.evidence === 'spa') {
    // Not in the HTML the server sent: the app's own script put it there.
    // From here, not the browser: `*.localhost` is loopback to browsers, but this machine's resolver may not know it.
    const direct = new URL(url);
    direct.hostname = '127.0.0.1';
    const html = await (await fetch(direct, { signal: AbortSignal.timeout(30_000) })).text();
    assert.ok(!html.includes(template.clientText), `${template.id}: "${template.clientText}" is already in the server's HTML`);
  }
  if (template.evidence === 'hydrated') {
    // Next sets window.next, SvelteKit a __sveltekit_* global, once their client code runs.
    await page.waitForFunction(() => typeof (globalThis as { next?: unknown }).next === 'object' || Object.keys(globalThis).some((k) => k.startsWith('__sveltekit')), undefined, { timeout: 120_000 });
  }
}

/**
 * Edits the template's source file and waits for the page to show it. Returns the time from the
 * write to the change and whether a marker set on `window` survived (no full reload).
 */
export async function editAndWatch(page: Page, folder: string, template: CorpusTemplate): Promise<{ ms: number; hot: boolean }> {
  const edit = template.edit;
  assert.ok(edit, `${template.id} has no edit`);
  await page.evaluate(() => {
    (globalThis as { __corpusMarker?: number }).__corpusMarker = 1;
  });
  const file = path.join(folder, edit.file);
  const before = await fs.readFile(file, 'utf8');
  assert.ok(before.includes(edit.from), `${template.id}: ${edit.file} does not contain "${edit.from}"`);
  const started = Date.now();
  await fs.writeFile(file, before.replace(edit.from, edit.to));
  await page.getByText(edit.to, { exact: false }).first().waitFor({ timeout: 120_000 });
  const ms = Date.now() - started;
  const hot = await page.evaluate(() => (globalThis as { __corpusMarker?: number }).__corpusMarker === 1);
  return { ms, hot };
}

function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 6).join(' ').slice(0, 400);
}

/**
 * The whole check of one template: cold start through the controller (corepack failing), its
 * plan, its own client-rendered text in Chromium, an edit (hot or a full reload, as the stack
 * does it), a warm start from the dependency cache, then release.
 */
export async function checkTemplate(run: CorpusRun, template: CorpusTemplate): Promise<CorpusResult> {
  const def = await run.addApp(template);
  const row: CorpusResult = { id: template.id, plan: '?', result: 'fail', why: '' };
  run.results.push(row);
  try {
    const cold = await run.start(def);
    row.coldMs = cold.ms;
    row.plan = run.planOf(def.ref);
    assert.equal(row.plan, `${template.stack} (${template.packageManager})`, 'the inferred stack and package manager');
    if (template.packageManager !== 'npm') {
      await run.assertCorepackFails(cold.containerId);
    }
    const page = await run.page();
    // Through the preview tab's origin, what users look at (nextOrigins.test.ts checks Next.js
    // HMR through each URL the product hands out).
    await assertRendered(page, cold.previewUrl, template);
    let shown = template.clientText;
    if (template.edit) {
      const { ms, hot } = await editAndWatch(page, def.ref.folder, template);
      row.hmr = `${hot ? 'hot' : 'full reload'}, ${ms} ms`;
      shown = template.edit.to;
      if (template.edit.hot) {
        assert.ok(hot, `${template.id}: the edit reloaded the page (the marker on window is gone) instead of a hot update`);
      }
    }
    // Leave the page first: a dev client that loses its server reloads the page when it is back,
    // which would abort the navigation below.
    await page.goto('about:blank');
    await run.fixture.controller.stop(def.ref);
    const warm = await run.start(def);
    row.warmMs = warm.ms;
    const logs = await run.logsOf(warm.containerId);
    await run.showsAfterNetworkChange(page, warm.previewUrl, shown);
    // Again before the release: the next template gets the same (freed) port, and this page's
    // dev client, polling for its server, would reload into that app while the next check
    // navigates (seen in CI: the next page.goto never reached domcontentloaded).
    await page.goto('about:blank');
    await run.fixture.controller.release(def.ref);
    row.result = 'pass';
    row.why = /added \d+ packages|Packages: \+\d+|YN0000: · Done/.test(logs) ? 'warm start reinstalled?' : '';
    return row;
  } catch (error) {
    await (await run.page()).goto('about:blank').catch(() => undefined);
    row.why = describeError(error);
    throw new Error(`${template.id}: ${error instanceof Error ? error.message : String(error)}\n--- browser console ---\n${run.consoleTail()}`, { cause: error });
  }
}

/** The results as the table rows docs/COMPATIBILITY.md shows, also written as JSON beside the test artifacts. */
export async function reportResults(results: readonly CorpusResult[], file: string): Promise<void> {
  const seconds = (ms: number | undefined): string => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
  const lines = results.map((r) => `| ${r.id} | ${r.plan} | ${seconds(r.coldMs)} | ${seconds(r.warmMs)} | ${r.hmr ?? '–'} | ${r.result}${r.why ? `: ${r.why}` : ''} |`);
  console.log(['', '| template | plan | cold | warm | edit | result |', '|---|---|---|---|---|---|', ...lines].join('\n'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(results, null, 2));
}

/** The proxy domain the tests give code-server, and what Chromium resolves it to. */
export const PROXY_DOMAIN = 'code.example.test';
export const PROXY_BROWSER_ARGS = [`--host-resolver-rules=MAP *.${PROXY_DOMAIN} 127.0.0.1`];

/**
 * code-server matches `--proxy-domain` against the whole Host header, port included; a real
 * deployment is on 443 (no port in Host), the test server is not, so its port is part of the domain.
 */
export function proxyDomainArgs(codeServerPort: number): string[] {
  return ['--proxy-domain', `${PROXY_DOMAIN}:${codeServerPort}`];
}

/**
 * Sets VSCODE_PROXY_URI as code-server sets it in the extension host's environment when started
 * with `--proxy-domain` (the controller reads it from there), for the duration of `body`.
 */
export async function withProxyUri<T>(codeServerPort: number, body: () => Promise<T>): Promise<T> {
  const before = process.env.VSCODE_PROXY_URI;
  process.env.VSCODE_PROXY_URI = `//{{port}}.${PROXY_DOMAIN}:${codeServerPort}`;
  try {
    return await body();
  } finally {
    if (before === undefined) {
      delete process.env.VSCODE_PROXY_URI;
    } else {
      process.env.VSCODE_PROXY_URI = before;
    }
  }
}

/**
 * Mocha hooks for a suite with one CorpusRun (its browser resolving the proxy domain) and a
 * code-server with `--proxy-domain` on `codeServerPort`, started when first asked for; all of it
 * removed after the suite.
 */
export function useCorpusRun(options: { ports: { start: number; end: number }; label: string; codeServerPort: number }): {
  run: () => CorpusRun;
  codeServer: () => Promise<CodeServer>;
} {
  let run: CorpusRun | undefined;
  let codeServer: CodeServer | undefined;
  before(async function () {
    const engine = await realEngine(this);
    run = await CorpusRun.create(engine, { ports: options.ports, label: options.label, browserArgs: PROXY_BROWSER_ARGS });
  });
  after(async () => {
    try {
      await codeServer?.stop();
    } finally {
      await run?.dispose();
    }
  });
  return {
    run: () => {
      assert.ok(run, 'the corpus run was not created');
      return run;
    },
    codeServer: async () => {
      codeServer ??= await CodeServer.start({ name: options.label, port: options.codeServerPort, extraArgs: proxyDomainArgs(options.codeServerPort) });
      return codeServer;
    },
  };
}
