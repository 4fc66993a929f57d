import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';
import { PSEUDO_LOCALE, pseudoBundleText, pseudoLocalize } from '../../scripts/pseudoLocalize';

/** The manifest as published: package.json, its string bundles, and what `vsce` would ship. */

const ROOT = path.resolve(__dirname, '..', '..', '..'); // compiled to out/test/unit/
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string; svg?: string };
  completionEvents?: string[];
}
interface Manifest {
  [key: string]: unknown;
  icon: string;
  license: string;
  repository: { type: string; url: string };
  homepage: string;
  bugs: { url: string };
  qna: false | string;
  galleryBanner: { color: string; theme: string };
  categories: string[];
  keywords: string[];
  l10n: string;
  contributes: {
    commands: { command: string }[];
    configuration: { properties: Record<string, unknown> };
    viewsContainers: { activitybar: { id: string }[] };
    viewsWelcome: { contents: string }[];
    walkthroughs: { id: string; title: string; steps: Step[] }[];
  };
}

const manifest = readJson<Manifest>('package.json');
const english = readJson<Record<string, string>>('package.nls.json');
const pseudo = readJson<Record<string, string>>(`package.nls.${PSEUDO_LOCALE}.json`);
const contributes = manifest.contributes;
const commandIds = new Set(contributes.commands.map((c) => c.command));
const settingIds = new Set(Object.keys(contributes.configuration.properties));

/** What VS Code and vsce both take as a placeholder (vsce: `^%([\w\d.]+)%$`, VS Code: any `%…%`). */
const PLACEHOLDER = /^%([\w.]+)%$/;

/** Every string of a JSON value with its path (`contributes.commands.0.title`). */
function strings(value: unknown, at: string[] = []): { path: string[]; text: string }[] {
  if (typeof value === 'string') {
    return [{ path: at, text: value }];
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => strings(child, [...at, key]));
  }
  return [];
}

/** English text of a manifest string (resolving its `%key%`). */
const resolved = (text: string): string => english[PLACEHOLDER.exec(text)?.[1] ?? ''] ?? text;

/**
 * Manifest properties the user reads. Model-facing text of the language-model tools
 * (`modelDescription`, `inputSchema`) stays English on purpose: it is an instruction to the model,
 * tuned in English, and it should not change the tool's behaviour with the user's locale.
 */
const USER_FACING = new Set([
  'displayName', 'description', 'title', 'category', 'markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions',
  'deprecationMessage', 'markdownDeprecationMessage', 'contextualTitle', 'contents', 'userDescription', 'altText',
]);
const NOT_SHOWN = new Set(['scripts', 'dependencies', 'devDependencies', 'engines', 'inputSchema', 'modelDescription']);

function userFacing(entry: { path: string[] }): boolean {
  const { path: at } = entry;
  if (at.some((part) => NOT_SHOWN.has(part))) {
    return false;
  }
  const last = at[at.length - 1];
  const parent = at[at.length - 2];
  const owner = /^\d+$/.test(last) ? parent : last; // enumDescriptions.0 → enumDescriptions
  return USER_FACING.has(owner) || (at[0] === 'contributes' && at[1] === 'views' && last === 'name');
}

/** `command:` targets of the links in a text (viewsWelcome contents, walkthrough descriptions), arguments cut off. */
function commandLinks(text: string): string[] {
  return [...text.matchAll(/\]\(command:([^)?\s]+)/g)].map((m) => decodeURIComponent(m[1]));
}

/**
 * A command a link may run: ours, VS Code's settings editor, or one VS Code makes for what we
 * contribute: a view container's "show", and an output channel's "show" (for the extension's log
 * channel, named in src/ui/outputLogger.ts).
 */
function commandExists(id: string): boolean {
  const containers = contributes.viewsContainers.activitybar.map((c) => `workbench.view.extension.${c.id}`);
  const logChannel = 'workbench.action.output.show.preview-containers.preview-containers.Preview Containers';
  const channelCreated = () => fs.readFileSync(path.join(ROOT, 'src', 'ui', 'outputLogger.ts'), 'utf8').includes("createOutputChannel('Preview Containers'");
  return commandIds.has(id) || id === 'workbench.action.openSettings' || containers.includes(id) || (id === logChannel && channelCreated());
}

function pngSize(file: string): { width: number; height: number } {
  const bytes = fs.readFileSync(path.join(ROOT, file));
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${file} is not a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('manifest: localized strings (package.nls.json)', () => {
  const all = strings(manifest);
  const used = all.map((s) => PLACEHOLDER.exec(s.text)?.[1]).filter((key): key is string => key !== undefined);

  it('every %key% of package.json is in the English bundle', () => {
    assert.ok(used.length > 50, `only ${used.length} placeholders`);
    assert.deepEqual(used.filter((key) => !(key in english)), []);
  });

  it('every key of the English bundle is used, and none is empty', () => {
    const usedKeys = new Set(used);
    assert.deepEqual(Object.keys(english).filter((key) => !usedKeys.has(key)), []);
    assert.deepEqual(Object.entries(english).filter(([, text]) => text.trim() === '').map(([key]) => key), []);
  });

  it('every string the user reads is a %key% (a new command title in plain English fails here)', () => {
    const plain = all.filter((s) => userFacing(s) && !PLACEHOLDER.test(s.text)).map((s) => s.path.join('.'));
    assert.deepEqual(plain, []);
  });

  it('no other string looks like a placeholder that vsce or VS Code would replace', () => {
    const odd = all.filter((s) => s.text.length > 1 && s.text.startsWith('%') && s.text.endsWith('%') && !PLACEHOLDER.test(s.text));
    assert.deepEqual(odd.map((s) => s.path.join('.')), []);
  });

  it('the welcome views link to commands that exist', () => {
    const links = contributes.viewsWelcome.flatMap((w) => commandLinks(resolved(w.contents)));
    assert.ok(links.length > 0);
    assert.deepEqual(links.filter((id) => !commandExists(id)), []);
  });
});

describe(`manifest: the pseudo-locale bundle (package.nls.${PSEUDO_LOCALE}.json)`, () => {
  it('has only keys of the English bundle, and all of them', () => {
    assert.deepEqual(Object.keys(pseudo).filter((key) => !(key in english)), [], 'keys the English bundle does not have');
    assert.deepEqual(Object.keys(english).filter((key) => !(key in pseudo)), [], 'English keys without a pseudo string');
  });

  it('is what `npm run nls:pseudo` writes from the English bundle (run it after editing package.nls.json)', () => {
    assert.equal(fs.readFileSync(path.join(ROOT, `package.nls.${PSEUDO_LOCALE}.json`), 'utf8'), pseudoBundleText(ROOT));
  });

  it('differs from English in every string, and keeps every link target and code span as it is', () => {
    for (const [key, text] of Object.entries(english)) {
      const targets = (s: string): string[] => [...s.matchAll(/\]\(([^)]*)\)|`[^`]*`/g)].map((m) => m[0]);
      assert.notEqual(pseudo[key], text, key);
      assert.deepEqual(targets(pseudo[key]), targets(text), key);
      assert.equal(pseudo[key].split('\n').length, text.split('\n').length, key);
    }
  });

  it('keeps a line that is only a link a line that is only a link (views and walkthroughs show it as a button)', () => {
    assert.equal(
      pseudoLocalize('Run `npm ci` first.\n[Retry](command:previewContainers.refresh)\nSee [the docs](https://podman.io/docs).'),
      '\uFF3BRuun `npm ci` fiirst.\uFF3D\n[\uFF3BReetry\uFF3D](command:previewContainers.refresh)\n\uFF3BSeeee [thee doocs](https://podman.io/docs).\uFF3D',
    );
  });
});

describe('manifest: the walkthrough', () => {
  const walkthroughs = contributes.walkthroughs;
  const steps = walkthroughs.flatMap((w) => w.steps);
  const events = steps.flatMap((s) => s.completionEvents ?? []);

  it('is one walkthrough, "getStarted", with the four steps in order', () => {
    assert.deepEqual(walkthroughs.map((w) => w.id), ['getStarted']);
    assert.deepEqual(steps.map((s) => s.id), ['installEngine', 'runApp', 'openPreview', 'ports']);
  });

  it('has a Markdown media file for every step, and no media file no step uses', () => {
    const media = steps.map((s) => s.media.markdown);
    for (const file of media) {
      if (file === undefined || !file.startsWith('media/walkthrough/')) {
        assert.fail(`${file} is not a Markdown file under media/walkthrough/`);
      }
      assert.ok(fs.readFileSync(path.join(ROOT, file), 'utf8').trim().startsWith('# '), `${file} is missing or has no heading`);
    }
    const present = fs.readdirSync(path.join(ROOT, 'media', 'walkthrough')).map((name) => `media/walkthrough/${name}`);
    assert.deepEqual(present.filter((file) => !media.includes(file)), []);
  });

  it('completes its steps on the real actions', () => {
    const byStep = Object.fromEntries(steps.map((s) => [s.id, s.completionEvents ?? []]));
    assert.deepEqual(byStep['installEngine'], ['onContext:previewContainers.engineState == ready']);
    assert.deepEqual(byStep['runApp'], ['onCommand:previewContainers.runApp']);
    assert.deepEqual(byStep['openPreview'], ['onCommand:previewContainers.openPreview']);
    assert.ok(byStep['ports'].includes('onCommand:previewContainers.showPortAllocations'));
  });

  it('waits only for commands and settings that exist, and context keys the extension sets', () => {
    const sources = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const setContext = sources.map((file) => fs.readFileSync(path.join(ROOT, 'src', file), 'utf8')).join('\n');
    for (const event of events) {
      const [kind, ...rest] = event.split(':');
      const what = rest.join(':');
      if (kind === 'onCommand') {
        assert.ok(commandIds.has(what), `${event}: no such command`);
      } else if (kind === 'onSettingChanged') {
        assert.ok(settingIds.has(what), `${event}: no such setting`);
      } else if (kind === 'onContext') {
        const key = /^[\w.]+/.exec(what)?.[0] ?? '';
        // Every context key the extension sets is named in src/ui/contextKeys.ts.
        const keys = fs.readFileSync(path.join(ROOT, 'src', 'ui', 'contextKeys.ts'), 'utf8');
        assert.ok(keys.includes(`'${key}'`) && setContext.includes('setContext'), `${event}: src never sets the context key ${key}`);
      } else {
        assert.fail(`${event}: unexpected kind of completion event`);
      }
    }
  });

  it('offers buttons only for commands that exist, and one for each command it waits for', () => {
    const links = steps.flatMap((s) => commandLinks(resolved(s.description)));
    assert.deepEqual(links.filter((id) => !commandExists(id)), []);
    const awaited = events.filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
    assert.deepEqual(awaited.filter((id) => !links.includes(id)), []);
  });
});

describe('manifest: what a Marketplace or Open VSX listing needs', () => {
  // VS Code 1.100's list (extensions' `categories` schema).
  const CATEGORIES = ['AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Extension Packs', 'Education', 'Formatters', 'Keymaps', 'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization', 'Other'];

  it('names its license, repository, homepage and issue tracker', () => {
    assert.equal(manifest.license, 'MIT');
    assert.match(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.match(manifest.repository.url, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    assert.ok(manifest.homepage.startsWith('https://'));
    assert.ok(manifest.bugs.url.startsWith('https://'));
    assert.ok(manifest.qna === false || manifest.qna.startsWith('https://'));
  });

  it('has a square PNG icon of at least 128×128 and a banner colour', () => {
    assert.match(manifest.icon, /\.png$/);
    const { width, height } = pngSize(manifest.icon);
    assert.ok(width >= 128 && width === height, `${width}×${height}`);
    assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
  });

  it('has categories VS Code knows, keywords, a CHANGELOG and the l10n folder for runtime strings', () => {
    assert.deepEqual(manifest.categories.filter((c) => !CATEGORIES.includes(c)), []);
    assert.ok(manifest.keywords.length >= 5 && new Set(manifest.keywords).size === manifest.keywords.length);
    assert.match(fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'), /^# Changelog\n[\s\S]*## Unreleased[\s\S]*## 0\.1\.0/);
    const bundle = readJson<unknown>(path.join(manifest.l10n, 'bundle.l10n.json'));
    assert.ok(typeof bundle === 'object' && bundle !== null && !Array.isArray(bundle));
  });

  it('ships the icon, the string bundles, the walkthrough media and the CHANGELOG, and nothing else (.vscodeignore)', async function () {
    this.timeout(30_000);
    const files = await listFiles({ cwd: ROOT, packageManager: PackageManager.None });
    const needed = [
      'package.json', 'package.nls.json', `package.nls.${PSEUDO_LOCALE}.json`, 'README.md', 'LICENSE', 'CHANGELOG.md',
      manifest.icon, 'media/preview-containers.svg', 'media/preview.js', 'media/preview.css', 'l10n/bundle.l10n.json',
      ...contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.markdown!)),
    ];
    assert.deepEqual(needed.filter((file) => !files.includes(file)), [], 'missing from the package');
    const allowed = [/^dist\/[\w-]+\.js$/, /^media\/[\w./-]+$/, /^l10n\/bundle\.l10n(\.[\w-]+)?\.json$/, /^package(\.nls(\.[\w-]+)?)?\.json$/, /^(README\.md|LICENSE|CHANGELOG\.md)$/];
    assert.deepEqual(files.filter((file) => !allowed.some((pattern) => pattern.test(file))), [], 'shipped but not needed');
  });
});
