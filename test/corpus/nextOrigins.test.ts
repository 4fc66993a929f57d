import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PROXY_DOMAIN, useCorpusRun } from './corpusRun';
import { templateById } from './templates';

interface OriginResult {
  readonly label: string;
  readonly url: string;
  readonly hot: boolean;
  readonly ms: number | undefined;
  readonly blocked: boolean;
}

/**
 * Next.js 16 checks the Origin of its dev resources and HMR websocket (allowedDevOrigins): an
 * edit is hot only where that origin is allowed. This records, for each URL the product hands out
 * (the controller's, the preview tab's, a proxied one) and for plain localhost, whether an edit
 * arrives without a full reload. Host ports 36200–36249, code-server on 36491.
 */
describe('corpus: Next.js HMR through each URL the product hands out', function () {
  this.timeout(1_800_000);
  const { run: corpusRun, codeServer: proxy } = useCorpusRun({ ports: { start: 36200, end: 36249 }, label: 'next', codeServerPort: 36491 });

  it('hot through the controller URL (localhost), the preview tab origin and localhost; the proxied one as recorded', async () => {
    const run = corpusRun();
    const codeServer = await proxy();
    const template = templateById('next-app');
    const def = await run.addApp(template);
    const started = await run.start(def);
    const page = await run.page();
    const urls: [string, string][] = [
      ['controller URL', started.url],
      ['preview tab origin', `http://${def.ref.appId}.localhost:${started.port}/`],
      ['localhost', `http://localhost:${started.port}/`],
      [`code-server --proxy-domain`, `http://${started.port}.${PROXY_DOMAIN}:${codeServer.port}/`],
    ];
    const file = path.join(def.ref.folder, 'app', 'page.tsx');
    let current = template.clientText;
    const results: OriginResult[] = [];
    for (const [index, [label, url]] of urls.entries()) {
      const blockedMessages: string[] = [];
      const onConsole = (message: { text(): string }): void => {
        if (/_next\/(webpack-)?hmr|WebSocket connection/.test(message.text())) {
          blockedMessages.push(message.text());
        }
      };
      page.on('console', onConsole);
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 180_000 });
      await page.getByText(current).first().waitFor({ timeout: 180_000 });
      // Let the HMR socket connect (or be refused) before editing.
      await page.waitForTimeout(3000);
      await page.evaluate(() => {
        (globalThis as { __corpusMarker?: number }).__corpusMarker = 1;
      });
      const next = `Edit ${index + 1} via ${label}`;
      const text = await fs.readFile(file, 'utf8');
      const t0 = Date.now();
      await fs.writeFile(file, text.replace(current, next));
      current = next;
      let ms: number | undefined;
      try {
        await page.getByText(next).first().waitFor({ timeout: 20_000 });
        ms = Date.now() - t0;
      } catch {
        ms = undefined;
      }
      const hot = ms !== undefined && (await page.evaluate(() => (globalThis as { __corpusMarker?: number }).__corpusMarker === 1));
      page.off('console', onConsole);
      results.push({ label, url, hot, ms, blocked: blockedMessages.length > 0 });
    }
    console.log(results.map((r) => `      ${r.label} ${r.url}: ${r.hot ? `hot in ${r.ms} ms` : `not hot within 20 s${r.blocked ? ' (HMR socket refused)' : ''}`}`).join('\n'));
    await fs.writeFile(path.join(run.root, 'next-origins.json'), JSON.stringify(results, null, 2));
    // code-server's proxied origin is not asserted: Next accepts an origin only from its config
    // (allowedDevOrigins), which the product does not write (docs/COMPATIBILITY.md).
    for (const label of ['controller URL', 'preview tab origin', 'localhost']) {
      assert.ok(results.find((r) => r.label === label)?.hot, `${label}: the edit was not hot`);
    }
    await run.fixture.controller.release(def.ref);
  });
});
