import * as assert from 'node:assert/strict';
import { codeBlock, codeSpan, escapeMarkdown } from '../../src/ui/markdown';
import { appUrl } from '../../src/ui/previewAddress';
import { parseWebviewMessage } from '../../src/ui/previewProtocol';

describe('what the preview page and the app it frames can say', () => {
  it('only our exact messages are accepted', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'showLogs' }), { type: 'showLogs' });
    assert.deepEqual(parseWebviewMessage({ type: 'start' }), { type: 'start' });
    assert.deepEqual(parseWebviewMessage({ type: 'frameUrl', url: 'http://web.localhost:32100/' }), { type: 'frameUrl', url: 'http://web.localhost:32100/' });
    for (const type of ['copyUrl', 'openExternal', 'openIntegrated'] as const) {
      assert.deepEqual(parseWebviewMessage({ type, path: '/about?x=1#top' }), { type, path: '/about?x=1#top' });
    }
  });

  it('anything else from the page (or an app posting into it) is dropped, for every message type', () => {
    for (const forged of [
      null,
      'copyUrl',
      [],
      { type: 'status', status: 'failed' },
      { type: 'integratedBrowser', available: true },
      { type: 'copyUrl' },
      { type: 'copyUrl', extra: 1 },
      { type: 'copyUrl', path: '/', extra: 1 },
      { type: 'showLogs', path: '/' },
      { type: 'frameUrl', url: 5 },
      { type: 'frameUrl', url: 'x'.repeat(5000) },
      { type: 'frameUrl' },
      { type: 'start', app: '/etc' },
      { type: '__proto__' },
      // Paths only: no URL of another site, no protocol-relative or backslash tricks, no control characters.
      ...['openExternal', 'openIntegrated', 'copyUrl'].flatMap((type) => [
        { type },
        { type, path: 'https://evil.example/' },
        { type, path: 'javascript:alert(1)' },
        { type, path: 'about' },
        { type, path: '/\\evil.example' },
        { type, path: '/a\nb' },
        { type, path: '/a\u0000' },
        { type, path: `/${'x'.repeat(3000)}` },
        { type, path: ['/'] },
        { type, url: 'http://web.localhost:32100/' },
      ]),
    ]) {
      assert.equal(parseWebviewMessage(forged), undefined, JSON.stringify(forged));
    }
  });

  it('a path becomes a URL only under a base we handed out: never another origin, never out of a proxy prefix', () => {
    assert.equal(appUrl('http://web.localhost:32100/', '/about?x=1#y'), 'http://web.localhost:32100/about?x=1#y');
    assert.equal(appUrl('http://127.0.0.1:8080/proxy/32100/', '/about'), 'http://127.0.0.1:8080/proxy/32100/about');
    assert.equal(appUrl('http://127.0.0.1:8080/proxy/32100/', '/'), 'http://127.0.0.1:8080/proxy/32100/');
    assert.equal(appUrl('http://web.localhost:32100/', '//evil.example/x'), 'http://web.localhost:32100/evil.example/x');
    assert.equal(appUrl('http://127.0.0.1:8080/proxy/32100/', '/../32101/'), undefined);
    assert.equal(appUrl('http://127.0.0.1:8080/proxy/32100/', '/%2e%2e/32101/'), undefined);
    assert.equal(appUrl('not a url', '/'), undefined);
  });
});

describe('user text in Markdown', () => {
  it('escapes emphasis, links, HTML and line breaks', () => {
    assert.equal(escapeMarkdown('**x** [a](command:evil) <img src=x>\n# h'), '\\*\\*x\\*\\* \\[a\\]\\(command:evil\\) \\<img src=x\\> \\# h');
  });

  it('code spans and blocks hold any backticks', () => {
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x'), '`` `x ``');
    assert.equal(codeBlock('```\nrm -rf /\n```'), '````\n```\nrm -rf /\n```\n````');
  });
});
