import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The preview page's own script and style, inlined into its HTML under the page's nonce. Loaded
 * as webview resources instead, they depend on the webview's service worker being in control:
 * in code-server it sometimes is not yet ("Found unexpected service worker controller"), the
 * resource URLs then go to DNS (net::ERR_NAME_NOT_RESOLVED) and the tab stays empty. Inlined,
 * the page needs nothing but its HTML. Read once per extension host (18 KB).
 */
export interface PreviewAssets {
  /** In order: previewState.js (the pure parts), then preview.js. */
  readonly scripts: readonly string[];
  readonly style: string;
}

let cached: PreviewAssets | undefined;

export function previewAssets(mediaDir: string): PreviewAssets {
  cached ??= {
    scripts: ['previewState.js', 'preview.js'].map((file) => fs.readFileSync(path.join(mediaDir, file), 'utf8')),
    style: fs.readFileSync(path.join(mediaDir, 'preview.css'), 'utf8'),
  };
  return cached;
}
