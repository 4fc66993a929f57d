import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { RUNTIME_BUNDLE, RUNTIME_PSEUDO_BUNDLE, pseudoMessage, runtimeBundleTexts } from '../../scripts/runtimeBundle';
import { SettingsError } from '../../src/core/errors';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const placeholders = (text: string): string[] => [...text.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort();

describe('runtime strings (l10n/bundle.l10n.json)', () => {
  it('the English and pseudo-locale bundles are what `npm run nls:pseudo` extracts from src/ (run it after changing a message)', async function () {
    this.timeout(30_000); // tree-sitter parses every source file
    const { english, pseudo } = await runtimeBundleTexts(ROOT);
    assert.equal(fs.readFileSync(path.join(ROOT, RUNTIME_BUNDLE), 'utf8'), english);
    assert.equal(fs.readFileSync(path.join(ROOT, RUNTIME_PSEUDO_BUNDLE), 'utf8'), pseudo);
    assert.ok(Object.keys(JSON.parse(english) as object).length > 50, 'the messages are extracted');
  });

  it('the pseudo strings keep every placeholder, setting name and quoted command, and change the words', () => {
    const bundle = JSON.parse(fs.readFileSync(path.join(ROOT, RUNTIME_PSEUDO_BUNDLE), 'utf8')) as Record<string, string>;
    for (const [english, pseudo] of Object.entries(bundle)) {
      assert.deepEqual(placeholders(pseudo), placeholders(english), english);
      assert.notEqual(pseudo, english, english);
      for (const kept of english.match(/previewContainers\.[\w.[\]]+|"[^"]*"/g) ?? []) {
        assert.ok(pseudo.includes(kept), `${english}: ${kept}`);
      }
    }
    assert.equal(pseudoMessage('Set previewContainers.image to "{0}".'), '［Seet previewContainers.image too "{0}".］');
  });

  it('core messages come from the loaded bundle (as activate() configures it from vscode.l10n.bundle)', () => {
    const key = 'expected true or false, got {0}.';
    try {
      l10n.config({ contents: { [key]: 'erwartet true oder false, nicht {0}.' } });
      assert.equal(new SettingsError('previewContainers.x', l10n.t(key, '"ja"')).message, 'Setting "previewContainers.x" is invalid: erwartet true oder false, nicht "ja".');
    } finally {
      l10n.config({ contents: {} });
    }
  });

  it('no notification, quick pick or progress title in src/ui is a bare string (each goes through vscode.l10n.t)', () => {
    const dir = path.join(ROOT, 'src', 'ui');
    const bare = /(show(Error|Warning|Information)Message\(\s*[`'"])|((title|placeHolder|prompt|invocationMessage):\s*[`'"][A-Za-z])/;
    const found: string[] = [];
    for (const file of [...fs.readdirSync(dir).map((f) => path.join(dir, f)), path.join(ROOT, 'src', 'extension.ts')]) {
      if (!file.endsWith('.ts')) {
        continue;
      }
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (bare.test(line)) {
            found.push(`${path.relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
          }
        });
    }
    assert.deepEqual(found, []);
  });
});
