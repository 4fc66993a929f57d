import * as assert from 'node:assert/strict';
import { checkTemplate, editAndWatch, PROXY_DOMAIN, useCorpusRun, withProxyUri } from '../corpus/corpusRun';
import { templateById } from '../corpus/templates';

/**
 * The part of the corpus that runs in `npm test` (the whole corpus: `npm run test:corpus`):
 * the AI-builder pnpm scaffold, a yarn (berry) and a bun app, all with a failing corepack, and a Vite app behind code-server's
 * `--proxy-domain` on a non-localhost domain. Host ports 36000–36049, code-server on 36490.
 */
describe('real apps (corpus subset): pnpm without corepack, Vite behind a proxied host name', function () {
  this.timeout(1_800_000);
  const { run, codeServer } = useCorpusRun({ ports: { start: 36000, end: 36049 }, label: 'subset', codeServerPort: 36490 });

  it('the AI-builder scaffold (pnpm-lock.yaml, no packageManager, Vite pinned to [::]:8080) installs with pnpm from the npm registry, starts on our port, renders and hot-reloads', async () => {
    const row = await checkTemplate(run(), templateById('ai-builder-pnpm'));
    console.log(`      cold ${row.coldMs} ms, warm ${row.warmMs} ms, edit ${row.hmr}`);
  });

  for (const id of ['yarn-berry-vue', 'bun-react']) {
    it(`${id}: installed by its own package manager (from the npm registry, corepack failing), renders and hot-reloads`, async () => {
      const row = await checkTemplate(run(), templateById(id));
      console.log(`      ${row.plan}: cold ${row.coldMs} ms, warm ${row.warmMs} ms, edit ${row.hmr}`);
    });
  }

  it(`a Vite app under code-server's --proxy-domain host (<port>.${PROXY_DOMAIN}): "Blocked request" without the product's hint, rendered and hot with it`, async () => {
    const server = await codeServer();
    const template = templateById('vite-react');
    const def = await run().addApp(template);
    const page = await run().page();
    // Leave the previous test's app first: its dev client, finding a server on the same port again, would reload and abort our navigation.
    await page.goto('about:blank');
    const proxied = (port: number): string => `http://${port}.${PROXY_DOMAIN}:${server.port}/`;

    // Control: Vite's host check is real, and code-server's proxy keeps the Host header.
    const plain = await run().start(def);
    const refused = await page.goto(proxied(plain.port), { waitUntil: 'domcontentloaded' });
    assert.equal(refused?.status(), 403);
    assert.match(await page.content(), /Blocked request\. This host \("\d+\.code\.example\.test"\) is not allowed/);
    await run().fixture.controller.stop(def.ref);

    // As in the extension host under code-server: VSCODE_PROXY_URI names the domain.
    const hinted = await withProxyUri(server.port, () => run().start(def));
    assert.equal(hinted.port, plain.port);
    const answered = await page.goto(proxied(hinted.port), { waitUntil: 'domcontentloaded' });
    assert.equal(answered?.status(), 200);
    // As the corpus harness waits (corpusRun.ts): the first real load pre-bundles the app's
    // dependencies (Vite), on one CPU under load, and may reload once when that is done.
    await page.getByText(template.clientText).first().waitFor({ timeout: 180_000 });
    await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => undefined);
    await page.waitForTimeout(2000);
    await page.getByText(template.clientText).first().waitFor({ timeout: 180_000 });
    const { ms, hot } = await editAndWatch(page, def.ref.folder, template);
    assert.ok(hot, 'the edit arrived over the proxied HMR websocket without a full reload');
    console.log(`      through ${proxied(hinted.port)}: rendered, edit hot in ${ms} ms`);
    await run().fixture.controller.release(def.ref);
  });
});
