/**
 * Writes package.nls.qps-ploc.json, the manifest strings in the pseudo-locale `qps-ploc`, from
 * package.nls.json: `npm run nls:pseudo` after changing an English string (a unit test fails
 * until the two agree). The bundle proves the wiring: every string the manifest shows is looked
 * up through a key, and a string that is not shows up in plain English in that locale.
 *
 * The transform is the one VS Code applies to its own strings in its `pseudo` mode (src/vs/nls.ts):
 * vowels doubled (longer text, as translations are) inside fullwidth brackets. What must keep
 * working is left as it is: inline code (setting names, shell commands), link targets
 * (`command:` URIs, web links) and bare URLs. A line that is only a link stays only a link, so
 * views and walkthroughs still render it as a button.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PSEUDO_LOCALE = 'qps-ploc';

const PROTECTED = /(`[^`]*`|\]\([^)]*\)|https?:\/\/[^\s)]+)/;
const LONE_LINK = /^\[([^\]]*)\]\(([^)]*)\)$/;

function stretch(text: string): string {
  return text
    .split(PROTECTED)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/[aouei]/g, '$&$&')))
    .join('');
}

const bracket = (text: string): string => `\uFF3B${text}\uFF3D`;

/** One manifest string in the pseudo-locale. */
export function pseudoLocalize(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const link = LONE_LINK.exec(line);
      if (link) {
        return `[${bracket(stretch(link[1]))}](${link[2]})`;
      }
      return line === '' ? line : bracket(stretch(line));
    })
    .join('\n');
}

/** The whole pseudo-locale bundle for an English bundle (same keys, same order). */
export function pseudoBundle(english: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(english).map(([key, text]) => [key, pseudoLocalize(text)]));
}

/** The text of package.nls.qps-ploc.json for a repository (as written by `npm run nls:pseudo`). */
export function pseudoBundleText(repoRoot: string): string {
  const english = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8')) as Record<string, string>;
  return `${JSON.stringify(pseudoBundle(english), null, 2)}\n`;
}

if (require.main === module) {
  const repoRoot = path.resolve(__dirname, '..', '..'); // compiled to out/scripts/
  const target = path.join(repoRoot, `package.nls.${PSEUDO_LOCALE}.json`);
  fs.writeFileSync(target, pseudoBundleText(repoRoot));
  process.stdout.write(`wrote ${path.relative(repoRoot, target)}\n`);
  // Loaded here, not imported at the top: runtimeBundle.ts imports this file.
  void import('./runtimeBundle.js')
    .then(async ({ writeRuntimeBundles }) => writeRuntimeBundles(repoRoot))
    .then((written) => process.stdout.write(`wrote ${written.join(', ')}\n`));
}
