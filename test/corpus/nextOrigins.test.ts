import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PROXY_DOMAIN, useCorpusRun, withProxyUri } from './corpusRun';
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
 * edit is hot only where that origin is allowed. For each URL the product hands out (the
 * controller's, the preview tab's, code-server's proxied one) and for plain localhost, an edit
 * must arrive without a full reload. The app starts as in an extension host under code-server
 * `--proxy-domain` (VSCODE_PROXY_URI set), so the product adds that domain to Next's allowed
 * origins (src/core/nextDevOrigins.ts). Host ports 36200–36249, code-server on 36491.
 */
describe('corpus: Next.js HMR through each URL the product hands out', function () {
  this.timeout(1_800_000);
  const { run: corpusRun, codeServer: proxy } = useCorpusRun({ ports: { start: 36200, end: 36249 }, label: 'next', codeServerPort: 36491 });

  it('hot through the controller URL (localhost), the preview tab origin, localhost and code-server’s proxied origin', async () => {
    const run = corpusRun();
    const codeServer = await proxy();
    const template = templateById('next-app');
    const def = await run.addApp(template);
    const started = await withProxyUri(codeServer.port, () => run.start(def));
    assert.ok(
      run.fixture.logger.lines.some((l) => l.message.includes(`Next.js allows dev origins **.${PROXY_DOMAIN}`)),
      'the start says it added the proxy domain to Next’s allowed origins',
    );
    const page = await run.page();
    const urls: [string, string][] = [
      ['controller URL', started.url],
      ['preview tab origin', `http://${def.ref.appId}.localhost:${started.port}/`],
      ['localhost', `http://localhost:${started.port}/`],
      [`code-server --proxy-domain`, `http://${started.port}.${PROXY_DOMAIN}:${codeServer.port}/`],
    ];
    const file = path.join(def.ref.folder, 'app', 'page.tsx');
    let current = template.clientText;
    let edits = 0;
    /** Loads `url`, edits the page's text and tells whether the edit arrived without a full reload. */
    const editThrough = async (label: string, url: string): Promise<OriginResult> => {
      const blockedMessages: string[] = [];
      const onConsole = (message: { text(): string }): void => {
        if (/_next\/(webpack-)?hmr|WebSocket connection/.test(message.text())) {
          blockedMessages.push(message.text());
        }
      };
      page.on('console', onConsole);
      try {
        await corpusRun().showsAfterNetworkChange(page, url, current);
        // Let the HMR socket connect (or be refused) before editing.
        await page.waitForTimeout(3000);
        await page.evaluate(() => {
          (globalThis as { __corpusMarker?: number }).__corpusMarker = 1;
        });
        const next = `Edit ${++edits} via ${label}`;
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
        return { label, url, hot, ms, blocked: blockedMessages.length > 0 };
      } finally {
        page.off('console', onConsole);
      }
    };
    const results: OriginResult[] = [];
    for (const [label, url] of urls) {
      results.push(await editThrough(label, url));
    }
    console.log(results.map((r) => `      ${r.label} ${r.url}: ${r.hot ? `hot in ${r.ms} ms` : `not hot within 20 s${r.blocked ? ' (HMR socket refused)' : ''}`}`).join('\n'));
    await fs.writeFile(path.join(run.root, 'next-origins.json'), JSON.stringify(results, null, 2));
    for (const label of ['controller URL', 'preview tab origin', 'localhost', 'code-server --proxy-domain']) {
      assert.ok(results.find((r) => r.label === label)?.hot, `${label}: the edit was not hot`);
    }

    // Control: started without the hint (no VSCODE_PROXY_URI), Next refuses the proxied origin.
    await page.goto('about:blank');
    await run.fixture.controller.stop(def.ref);
    const plain = await run.start(def);
    assert.equal(plain.port, started.port);
    const refused = await editThrough('proxied, no hint', `http://${plain.port}.${PROXY_DOMAIN}:${codeServer.port}/`);
    console.log(`      control, started without VSCODE_PROXY_URI: ${refused.hot ? `hot in ${refused.ms} ms` : `not hot within 20 s${refused.blocked ? ' (HMR socket refused)' : ''}`}`);
    assert.equal(refused.hot, false, 'without the product’s hint the proxied origin is refused (else this test proves nothing)');
    await page.goto('about:blank');
    await run.fixture.controller.release(def.ref);
  });
});
