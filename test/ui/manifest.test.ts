import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createVSIX } from '@vscode/vsce';
import type { Page } from 'playwright-core';
import { PSEUDO_LOCALE } from '../../scripts/pseudoLocalize';
import { RUNTIME_PSEUDO_BUNDLE } from '../../scripts/runtimeBundle';
import { EXTENSION_ID, makeTempDir, PACKAGED_VSIX, REPO_ROOT, removeDir } from '../harness/prerequisites';
import { useWorkbenchSession } from '../harness/session';
import { activeEditorText, activeTabTitle, eventually, notificationMessages, quickInputRow, reloadWorkbench, runPaletteCommand, waitForWorkbench } from '../harness/workbench';
import { assertDefaultAllocationsShape } from '../host/allocationsShape';

/**
 * What the manifest alone puts in the workbench, from the packaged .vsix: the walkthrough, and
 * the manifest's strings in another locale. Nothing here starts a container.
 */

const POOL = { start: 37500, end: 37599 };
const SETTINGS = {
  'previewContainers.portRange.start': POOL.start,
  'previewContainers.portRange.end': POOL.end,
  'workbench.startupEditor': 'none',
};

const WALKTHROUGH_ID = `${EXTENSION_ID}#getStarted`; // what workbench.action.openWalkthrough takes
const english = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const pseudo = JSON.parse(readFileSync(path.join(REPO_ROOT, `package.nls.${PSEUDO_LOCALE}.json`), 'utf8')) as Record<string, string>;
const runtimePseudo = JSON.parse(readFileSync(path.join(REPO_ROOT, RUNTIME_PSEUDO_BUNDLE), 'utf8')) as Record<string, string>;
/** A runtime message as the pseudo bundle renders it, `{n}` filled as l10n.t fills it. */
const pseudoRuntime = (message: string, ...args: (string | number)[]): string => {
  const text = runtimePseudo[message];
  assert.ok(text, `${message} is in the pseudo bundle`);
  return text.replace(/\{(\d+)\}/g, (_, index: string) => String(args[Number(index)]));
};
/** An image that is nowhere: a start fails at once, in the core, before anything runs. */
const ABSENT_IMAGE = 'localhost/preview-absent:none';
const paletteTitle = (bundle: Record<string, string>, command: string): string => `${bundle['command.category']}: ${bundle[`command.${command}.title`]}`;

/** The focused row of the open quick pick has this label: accept it. */
async function pickInQuickInput(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name').first();
  await eventually(
    async () => {
      if ((await input.inputValue()) !== label) {
        await input.fill(label);
      }
      assert.equal((await focused.textContent({ timeout: 1000 }))?.trim(), label);
      await input.press('Enter');
      await input.waitFor({ state: 'hidden', timeout: 1500 });
    },
    { timeoutMs: 20_000 },
  );
}

const step = (page: Page, id: string) => page.locator(`.getting-started-step[data-step-id="${WALKTHROUGH_ID}#${id}"]`);
const stepDone = async (page: Page, id: string): Promise<string | null> =>
  page.locator(`[data-done-step-id="${WALKTHROUGH_ID}#${id}"]`).getAttribute('aria-checked', { timeout: 2000 });

describe('UI: the walkthrough (packaged .vsix)', function () {
  this.timeout(120_000);
  const session = useWorkbenchSession({ name: 'ui-walkthrough', vsix: [PACKAGED_VSIX], port: 37598, userSettings: SETTINGS });
  const title = english['walkthrough.getStarted.title'];

  it('is listed by "Welcome: Open Walkthrough..." and opens on its first step, text and media rendered', async () => {
    const { page } = session();
    await runPaletteCommand(page, 'Welcome: Open Walkthrough...');
    await quickInputRow(page, title).first().waitFor({ state: 'visible', timeout: 15_000 });
    await pickInQuickInput(page, title);

    const details = page.locator('.gettingStartedSlideDetails');
    await eventually(async () => assert.equal((await details.locator('.category-title').first().textContent())?.trim(), title));
    // The steps carry the walkthrough's full id, the one workbench.action.openWalkthrough takes.
    const ids = await page.locator('.getting-started-step').evaluateAll((steps: { getAttribute(name: string): string | null }[]) => steps.map((s) => s.getAttribute('data-step-id')));
    assert.deepEqual(ids, ['installEngine', 'runApp', 'openPreview', 'ports'].map((id) => `${WALKTHROUGH_ID}#${id}`));

    const first = step(page, 'installEngine');
    assert.equal(await first.getAttribute('aria-expanded'), 'true');
    assert.equal((await first.locator('.step-title').textContent())?.trim(), english['walkthrough.getStarted.installEngine.title']);
    const description = (await first.locator('.step-description-container p').first().textContent()) ?? '';
    assert.ok(english['walkthrough.getStarted.installEngine.description'].replace(/\*\*/g, '').startsWith(description.trim()), description);
    assert.deepEqual((await first.locator('.button-container .monaco-button').allTextContents()).map((t) => t.trim()), ['Check for an Engine', 'Choose the Engine']);
    // Its Markdown media (media/walkthrough/install-engine.md), rendered in a webview beside the steps.
    const media = page.frameLocator('.getting-started-media iframe.webview.ready').frameLocator('#active-frame');
    await eventually(async () => assert.equal((await media.locator('h1').textContent({ timeout: 2000 }))?.trim(), 'A container engine'), { timeoutMs: 20_000 });
    assert.match((await media.locator('table').textContent()) ?? '', /sudo apt-get install -y podman runc/);
  });

  it('a step button runs our command, and the step completes on it; the engine step completes once podman answers', async () => {
    const { page } = session();
    await step(page, 'ports').locator('.step-title').click();
    await eventually(async () => assert.equal(await step(page, 'ports').getAttribute('aria-expanded'), 'true'));
    assert.equal(await stepDone(page, 'ports'), 'false', 'done before anything ran');
    await step(page, 'ports').locator('.monaco-button', { hasText: 'Show Port Allocations' }).click();

    await eventually(async () => assert.equal(await activeTabTitle(page), 'Port Allocations.json'));
    const allocations = await eventually(async () => JSON.parse(await activeEditorText(page)) as unknown);
    assertDefaultAllocationsShape(allocations, POOL);

    await page.locator('.tabs-container .tab', { hasText: /^Walkthrough: / }).click();
    await eventually(async () => assert.equal(await stepDone(page, 'ports'), 'true'));
    // The command activated the extension; it then finds the engine and sets previewContainers.engineState.
    await eventually(async () => assert.equal(await stepDone(page, 'installEngine'), 'true', 'no container engine answered (podman must run here)'), { timeoutMs: 45_000 });
    assert.equal(await stepDone(page, 'runApp'), 'false');
    assert.equal(await stepDone(page, 'openPreview'), 'false');
  });
});

describe(`UI: the manifest in the ${PSEUDO_LOCALE} pseudo-locale (code-server --locale ${PSEUDO_LOCALE}, packaged .vsix)`, function () {
  this.timeout(120_000);
  let packDir: string | undefined;
  let languagePack: string | undefined;

  before(async function () {
    this.timeout(60_000);
    // VS Code uses a locale only when a language pack for it is installed. This one is a stand-in
    // for a real one (which would come from a gallery): it translates nothing of VS Code's own
    // and nothing of ours, so any pseudo string on screen comes from our package.nls.qps-ploc.json.
    packDir = await makeTempDir('pseudo-language-pack');
    const source = path.join(packDir, 'source');
    await fs.mkdir(path.join(source, 'translations'), { recursive: true });
    await fs.writeFile(path.join(source, 'translations', 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
    await fs.writeFile(
      path.join(source, 'package.json'),
      JSON.stringify({
        name: 'pseudo-language-pack-fixture',
        publisher: 'preview-containers-test',
        version: '0.0.1',
        engines: { vscode: '^1.96.0' },
        categories: ['Language Packs'],
        contributes: {
          localizations: [
            { languageId: PSEUDO_LOCALE, languageName: 'Pseudo Language', translations: [{ id: 'vscode', path: './translations/main.i18n.json' }] },
          ],
        },
      }),
    );
    await fs.writeFile(path.join(source, 'README.md'), 'A qps-ploc language pack that translates nothing (test fixture).\n');
    languagePack = path.join(packDir, 'pseudo-language-pack.vsix');
    await createVSIX({ cwd: source, packagePath: languagePack, dependencies: false, allowMissingRepository: true, skipLicense: true });
  });

  after(async () => removeDir(packDir));

  const session = useWorkbenchSession({
    name: 'ui-pseudo-locale',
    vsix: [PACKAGED_VSIX],
    port: 37599,
    userSettings: { ...SETTINGS, 'previewContainers.image': ABSENT_IMAGE, 'previewContainers.pullPolicy': 'never' },
    extraArgs: ['--locale', PSEUDO_LOCALE],
    prepareWorkspace: async (folder) => {
      // Two apps: with one, Run App Container would not ask which.
      for (const name of ['web', 'docs']) {
        await fs.mkdir(path.join(folder, name));
        await fs.writeFile(path.join(folder, name, 'package.json'), JSON.stringify({ name, scripts: { start: 'node server.js' } }));
      }
    },
  });

  it(`without a language pack, --locale ${PSEUDO_LOCALE} is ignored: the window and our titles stay English`, async () => {
    const { page } = session();
    assert.equal(await page.evaluate('globalThis._VSCODE_NLS_LANGUAGE'), undefined);
    await runPaletteCommand(page, paletteTitle(english, 'showPortAllocations'));
    await eventually(async () => assert.equal(await activeTabTitle(page), 'Port Allocations.json'));
  });

  it(`with a ${PSEUDO_LOCALE} language pack installed, the palette shows our command titles from package.nls.${PSEUDO_LOCALE}.json, and they run`, async () => {
    const { page } = session();
    // Installed through the running server: code-server's own --install-extension does not
    // register language packs (languagepacks.json is written by the server's install only).
    await runPaletteCommand(page, 'Extensions: Install from VSIX...');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: 15_000 }); // the folder listing: the dialog has settled
    // The dialog lists the folder of what is typed; accept once it shows the file (it ignored an
    // Enter that came while it was still listing), until it closes.
    const fileRow = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(languagePack!) });
    await eventually(
      async () => {
        if ((await input.inputValue()) !== languagePack) {
          await input.fill(languagePack!);
        }
        await fileRow.first().waitFor({ state: 'visible', timeout: 2000 });
        await page.locator('.quick-input-widget .monaco-button', { hasText: 'Install' }).click({ timeout: 2000 });
        await input.waitFor({ state: 'hidden', timeout: 3000 });
      },
      { timeoutMs: 30_000 },
    );
    await eventually(async () => assert.ok((await notificationMessages(page)).some((m) => /Completed installing extension/.test(m))), { timeoutMs: 60_000 });

    await reloadWorkbench(page);
    await waitForWorkbench(page);
    assert.equal(await page.evaluate('globalThis._VSCODE_NLS_LANGUAGE'), PSEUDO_LOCALE);

    const localized = paletteTitle(pseudo, 'showPortAllocations');
    assert.equal(localized, '\uFF3BPreeviieew Coontaaiineers\uFF3D: \uFF3BShoow Poort Alloocaatiioons\uFF3D');
    await runPaletteCommand(page, localized, 60_000);
    await eventually(async () => assert.equal(await activeTabTitle(page), 'Port Allocations.json'));
    const allocations = await eventually(async () => JSON.parse(await activeEditorText(page)) as unknown);
    assertDefaultAllocationsShape(allocations, POOL);
    // The walkthrough too (VS Code's own strings stay English: the pack translates none of them).
    await runPaletteCommand(page, 'Welcome: Open Walkthrough...');
    await quickInputRow(page, pseudo['walkthrough.getStarted.title']).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Escape');
  });
  it(`runtime strings follow too: the extension's quick pick (vscode.l10n) and a core error (@vscode/l10n, configured by activate) come from l10n/bundle.l10n.${PSEUDO_LOCALE}.json`, async () => {
    const { page } = session();
    assert.equal(await page.evaluate('globalThis._VSCODE_NLS_LANGUAGE'), PSEUDO_LOCALE, 'runs after the language pack was installed');
    await runPaletteCommand(page, paletteTitle(pseudo, 'runApp'), 60_000);
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await eventually(async () => assert.equal(await input.getAttribute('placeholder'), pseudoRuntime('Choose an app')));
    await pickInQuickInput(page, 'web');
    const expected = pseudoRuntime('Image "{0}" is not available locally and previewContainers.pullPolicy is "never". Pull or build it first (e.g. "podman pull {0}"), or set the pull policy to "missing".', ABSENT_IMAGE);
    await eventually(async () => assert.ok((await notificationMessages(page)).includes(expected), (await notificationMessages(page)).join(' | ')), { timeoutMs: 30_000 });
  });
});
