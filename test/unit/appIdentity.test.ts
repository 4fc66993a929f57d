import * as assert from 'node:assert/strict';
import { containerNameFor, makeAppRef, slugify } from '../../src/core/appIdentity';

const ENGINE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

describe('app identity', () => {
  it('slugs workspace-relative paths', () => {
    assert.equal(makeAppRef('/ws/apps/web', '/ws').appId, 'apps-web');
    assert.equal(makeAppRef('/ws/My App (v2)', '/ws').appId, 'my-app-v2');
    assert.equal(makeAppRef('/ws', '/ws').appId, 'ws');
  });

  it('never produces an empty or option-like slug', () => {
    for (const text of ['', '---', '$()', '..', '日本語', '-rf', '\n']) {
      const slug = slugify(text);
      assert.match(slug, /^[a-z0-9][a-z0-9-]*$/, `slug of ${JSON.stringify(text)}: ${slug}`);
    }
    assert.equal(slugify('Crème Brûlée'), 'creme-brulee');
  });

  it('gives the same relative path in two workspaces different keys and container names', () => {
    const a = makeAppRef('/home/ann/shop/apps/web', '/home/ann/shop');
    const b = makeAppRef('/home/ann/blog/apps/web', '/home/ann/blog');
    assert.equal(a.appId, b.appId);
    assert.notEqual(a.key, b.key);
    assert.notEqual(containerNameFor(a), containerNameFor(b));
  });

  it('makes valid engine names from any folder name', () => {
    for (const folder of ['my app', '-leading-dash', '$(rm -rf ~)', 'quote"s', 'ünïcödé', 'a'.repeat(300)]) {
      const name = containerNameFor(makeAppRef(`/ws/${folder}`, '/ws'));
      assert.match(name, ENGINE_NAME);
      assert.ok(name.length <= 64, name);
    }
  });

  it('uses the package name as display name when given', () => {
    assert.equal(makeAppRef('/ws/apps/web', '/ws', '@acme/web').name, '@acme/web');
    assert.equal(makeAppRef('/ws/apps/web', '/ws').name, 'web');
  });
});
