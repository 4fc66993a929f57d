/**
 * The runtime string bundles: l10n/bundle.l10n.json, every `vscode.l10n.t` / `l10n.t` message in
 * src/ (extracted by @vscode/l10n-dev, the tool VS Code's own extensions use), and its pseudo-locale
 * twin l10n/bundle.l10n.qps-ploc.json. Written by `npm run nls:pseudo`; a unit test fails until
 * both match the source.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getL10nJson } from '@vscode/l10n-dev';
import { PSEUDO_LOCALE, pseudoLocalize } from './pseudoLocalize';

/** What the pseudo transform must leave as it is: placeholders, setting names, quoted commands and values. */
const KEPT = /(\{\d+\}|previewContainers\.[\w.[\]]+|"[^"]*")/;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The English bundle the sources ask for, keys sorted (stable diffs). */
export async function englishBundle(repoRoot: string): Promise<Record<string, string>> {
  const files = sourceFiles(path.join(repoRoot, 'src'))
    .sort()
    .map((file) => ({ extension: '.ts', contents: fs.readFileSync(file, 'utf8') }));
  const found = await getL10nJson(files);
  const entries = Object.entries(found).map(([key, value]) => [key, typeof value === 'string' ? value : value.message] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One runtime message in the pseudo-locale: stretched like the manifest's, placeholders and names kept. */
export function pseudoMessage(text: string): string {
  return pseudoLocalize(text.split(KEPT).map((part, index) => (index % 2 === 1 ? `\`${part}\`` : part)).join('')).replace(/`(\{\d+\}|previewContainers\.[\w.[\]]+|"[^"]*")`/g, '$1');
}

export function bundleText(bundle: Readonly<Record<string, string>>): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

export async function runtimeBundleTexts(repoRoot: string): Promise<{ english: string; pseudo: string }> {
  const english = await englishBundle(repoRoot);
  const pseudo = Object.fromEntries(Object.entries(english).map(([key, text]) => [key, pseudoMessage(text)]));
  return { english: bundleText(english), pseudo: bundleText(pseudo) };
}

export const RUNTIME_BUNDLE = path.join('l10n', 'bundle.l10n.json');
export const RUNTIME_PSEUDO_BUNDLE = path.join('l10n', `bundle.l10n.${PSEUDO_LOCALE}.json`);

/** Writes both runtime bundles; returns their paths (relative to the repository). */
export async function writeRuntimeBundles(repoRoot: string): Promise<string[]> {
  const { english, pseudo } = await runtimeBundleTexts(repoRoot);
  fs.writeFileSync(path.join(repoRoot, RUNTIME_BUNDLE), english);
  fs.writeFileSync(path.join(repoRoot, RUNTIME_PSEUDO_BUNDLE), pseudo);
  return [RUNTIME_BUNDLE, RUNTIME_PSEUDO_BUNDLE];
}
