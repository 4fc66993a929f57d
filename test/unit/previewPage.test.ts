import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { previewCsp, previewHtml, type PreviewPage } from '../../src/ui/previewHtml';

/** media/previewState.js: the page's pure parts (plain JS, loaded as the webview loads it). */
interface PreviewState {
  DEVICES: Record<string, { width: number; height: number }>;
  fitFrame(device: string, rotated: boolean, room: { width: number; height: number }): { width: number; height: number; scale: number } | undefined;
  NavHistory: new (limit?: number) => {
    current: string | undefined;
    drifted: boolean;
    canBack: boolean;
    canForward: boolean;
    open(url: string): void;
    appNavigated(): void;
    back(): string | undefined;
    forward(): string | undefined;
  };
  resolveAddress(base: string, bases: readonly string[], typed: string): string | undefined;
  pathOf(base: string, url: string | undefined): string;
  restoreView(saved: unknown, appKey: string): { device: string; rotated: boolean; path: string };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const page = require(path.join(__dirname, '..', '..', '..', 'media', 'previewState.js')) as PreviewState;

describe('the preview page: device sizes', () => {
  it('a device keeps its own viewport, scaled down to fit (never up); rotate swaps it; Fill takes the room', () => {
    assert.deepEqual(page.fitFrame('phone', false, { width: 1000, height: 1000 }), { width: 390, height: 844, scale: 1 });
    assert.deepEqual(page.fitFrame('phone', true, { width: 1000, height: 1000 }), { width: 844, height: 390, scale: 1 });
    assert.deepEqual(page.fitFrame('desktop', false, { width: 720, height: 900 }), { width: 1440, height: 900, scale: 0.5 });
    assert.equal(page.fitFrame('tablet', false, { width: 410, height: 2000 })?.scale, 0.5);
    assert.equal(page.fitFrame('fill', false, { width: 100, height: 100 }), undefined);
    assert.equal(page.fitFrame('__proto__', false, { width: 100, height: 100 }), undefined);
    assert.deepEqual(Object.keys(page.DEVICES), ['fill', 'phone', 'tablet', 'desktop']);
  });
});

describe('the preview page: back and forward over the addresses it opened', () => {
  it('goes back and forward like a browser; opening anew drops what was ahead', () => {
    const history = new page.NavHistory();
    history.open('/a');
    assert.equal(history.canBack, false);
    history.open('/b');
    history.open('/c');
    assert.equal(history.back(), '/b');
    assert.equal(history.back(), '/a');
    assert.equal(history.back(), undefined);
    assert.equal(history.forward(), '/b');
    history.open('/d');
    assert.equal(history.canForward, false);
    assert.equal(history.back(), '/b');
  });

  it('after the app navigated by itself, Back returns to the last known address and Forward is gone', () => {
    const history = new page.NavHistory();
    history.open('/a');
    history.open('/b');
    history.back();
    history.appNavigated();
    assert.equal(history.drifted, true);
    assert.equal(history.canForward, false);
    assert.equal(history.back(), '/a', 'the page the app left');
    assert.equal(history.drifted, false);
    assert.equal(history.canBack, false);
  });

  it('keeps at most its limit', () => {
    const history = new page.NavHistory(3);
    for (const url of ['/1', '/2', '/3', '/4']) {
      history.open(url);
    }
    assert.equal(history.back(), '/3');
    assert.equal(history.back(), '/2');
    assert.equal(history.back(), undefined);
  });
});

describe('the preview page: what the address bar accepts', () => {
  const direct = 'http://web.localhost:32100/';
  const proxy = 'http://127.0.0.1:8080/proxy/32100/';
  it('paths, with or without the slash, and full URLs of the app (moved onto the frame’s base)', () => {
    assert.equal(page.resolveAddress(direct, [direct], '/about'), `${direct}about`);
    assert.equal(page.resolveAddress(proxy, [proxy], ' about?x=1#y '), `${proxy}about?x=1#y`);
    assert.equal(page.resolveAddress(proxy, [proxy], ''), proxy);
    assert.equal(page.resolveAddress(proxy, [proxy, direct], `${direct}shop`), `${proxy}shop`);
    assert.equal(page.pathOf(proxy, `${proxy}about?x=1`), '/about?x=1');
    assert.equal(page.pathOf(proxy, 'http://elsewhere/'), '');
  });

  it('nothing of another site, nothing above a proxy prefix', () => {
    for (const typed of ['https://evil.example/', 'javascript:alert(1)', '/../32101/', '%2e%2e/32101/', '/\\evil', 'a\nb']) {
      assert.equal(page.resolveAddress(proxy, [proxy], typed), undefined, typed);
    }
    assert.equal(page.resolveAddress(direct, [direct], '//evil.example/x'), `${direct}evil.example/x`, 'a protocol-relative path stays a path');
  });
});

describe('the preview page: what setState keeps', () => {
  it('is used only for the same app and only when well-formed', () => {
    assert.deepEqual(page.restoreView({ appKey: '/w/web', device: 'tablet', rotated: true, path: '/about' }, '/w/web'), { device: 'tablet', rotated: true, path: '/about' });
    const fresh = { device: 'fill', rotated: false, path: '/' };
    assert.deepEqual(page.restoreView({ appKey: '/w/api', device: 'tablet' }, '/w/web'), fresh);
    assert.deepEqual(page.restoreView({ appKey: '/w/web', device: 'toString', rotated: 'yes', path: 'http://evil/' }, '/w/web'), fresh);
    assert.deepEqual(page.restoreView(undefined, '/w/web'), fresh);
  });
});

describe('the preview page’s HTML', () => {
  const base: PreviewPage = {
    appKey: '/w/web',
    name: 'web</script><b>',
    urls: { external: 'http://127.0.0.1:8080/proxy/32100/', direct: 'http://web.localhost:32100/', externalAtRoot: false },
    scripts: ['/* previewState.js */', '/* preview.js */'],
    style: 'body { margin: 0 }',
    nonce: 'bm9uY2U=',
    integratedBrowser: false,
  };

  it('has a strict CSP: nothing by default, scripts by nonce only, frames and fetches only to the app', () => {
    assert.equal(
      previewCsp(base),
      "default-src 'none'; style-src 'nonce-bm9uY2U='; img-src data:; script-src 'nonce-bm9uY2U='; frame-src http://127.0.0.1:8080 http://web.localhost:32100; connect-src http://web.localhost:32100",
    );
    assert.match(previewCsp({ ...base, urls: undefined }), /frame-src 'none'; connect-src 'none'/);
  });

  it('inlines both scripts and the style under the nonce (no resource to load), has the toolbar, and escapes the app’s name everywhere', () => {
    const html = previewHtml(base);
    const scripts = [...html.matchAll(/<script ([^>]*)>/g)].map((m) => m[1]);
    assert.equal(scripts.length, 3, 'config + previewState.js + preview.js');
    assert.ok(scripts.every((attrs) => attrs?.includes('nonce="bm9uY2U="') && !attrs.includes('src=')));
    assert.ok(html.indexOf('previewState.js') < html.indexOf('/* preview.js */'), 'the pure parts first');
    assert.match(html, /<style nonce="bm9uY2U=">body \{ margin: 0 \}<\/style>/);
    assert.ok(!/<link /.test(html), 'no stylesheet to fetch');
    assert.throws(() => previewHtml({ ...base, scripts: ['x = "</script>"'] }), /must not contain/);
    for (const id of ['back', 'forward', 'reload', 'hard-reload', 'address', 'device', 'rotate', 'copy', 'external', 'integrated', 'logs', 'app-frame']) {
      assert.match(html, new RegExp(`id="${id}"`), id);
    }
    assert.match(html, /<button id="integrated"[^>]* hidden>/, 'hidden unless the Integrated Browser exists');
    assert.ok(!html.includes('</script><b>'), 'the name never closes a tag');
    assert.match(html, /"integratedBrowser":false/);
    assert.match(previewHtml({ ...base, integratedBrowser: true }), /"integratedBrowser":true/);
  });
});
