import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';

/**
 * The core has no `vscode` import, so its messages (errors, progress stages) go through
 * `@vscode/l10n`; it gets the bundle VS Code loaded for the display language (l10n/bundle.l10n.<locale>.json).
 * English needs no bundle: the messages are their own keys.
 */
export function localizeCore(): void {
  const bundle = vscode.l10n.bundle;
  if (bundle !== undefined) {
    l10n.config({ contents: bundle });
  }
}
