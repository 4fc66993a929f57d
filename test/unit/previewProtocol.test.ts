import * as assert from 'node:assert/strict';
import { codeBlock, codeSpan, escapeMarkdown } from '../../src/ui/markdown';
import { parseWebviewMessage } from '../../src/ui/previewProtocol';

describe('what the preview page and the app it frames can say', () => {
  it('only our exact messages are accepted; anything else from the page (or an app posting into it) is dropped', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'copyUrl' }), { type: 'copyUrl' });
    assert.deepEqual(parseWebviewMessage({ type: 'frameUrl', url: 'http://web.localhost:32100/' }), { type: 'frameUrl', url: 'http://web.localhost:32100/' });
    for (const forged of [
      null,
      'copyUrl',
      [],
      { type: 'status', status: 'failed' },
      { type: 'copyUrl', extra: 1 },
      { type: 'frameUrl', url: 5 },
      { type: 'frameUrl', url: 'x'.repeat(5000) },
      { type: 'frameUrl' },
      { type: 'start', app: '/etc' },
      { type: '__proto__' },
    ]) {
      assert.equal(parseWebviewMessage(forged), undefined, JSON.stringify(forged));
    }
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
