import * as assert from 'node:assert/strict';
import { editAndWatch, PROXY_DOMAIN, useCorpusRun, withProxyUri } from './corpusRun';
import { templateById } from './templates';

/**
 * A Vite app behind code-server's `--proxy-domain` on a non-localhost domain: Vite's host check
 * refuses the forwarded host name unless the product passes it on. Runs in the engine layer of
 * `npm test` and in `npm run test:corpus`. Host ports 36400–36409, code-server on 36492.
 */
describe('a Vite app under a proxied host name (code-server --proxy-domain)', function () {
  this.timeout(1_800_000);
  const { run, codeServer } = useCorpusRun({ ports: { start: 36400, end: 36409 }, label: 'proxied', codeServerPort: 36492 });

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
    // Reloaded once if Chromium's net::ERR_NETWORK_CHANGED cut a module request off (corpusRun.ts).
    const answered = await run().showsAfterNetworkChange(page, proxied(hinted.port), template.clientText);
    assert.equal(answered?.status(), 200);
    // As the corpus harness waits: the first real load pre-bundles the app's dependencies (Vite),
    // on one CPU under load, and may reload once when that is done.
    await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => undefined);
    await page.waitForTimeout(2000);
    await page.getByText(template.clientText).first().waitFor({ timeout: 180_000 });
    const { ms, hot } = await editAndWatch(page, def.ref.folder, template);
    assert.ok(hot, 'the edit arrived over the proxied HMR websocket without a full reload');
    console.log(`      through ${proxied(hinted.port)}: rendered, edit hot in ${ms} ms`);
    await run().fixture.controller.release(def.ref);
  });
});
