import { originOf, type PreviewUrls } from './previewAddress';

/**
 * The preview tab's HTML: a toolbar and the app's frame, under a strict CSP. Pure (no vscode
 * import): the panel passes the webview's URIs in; tests read the policy directly.
 */
export interface PreviewPage {
  readonly appKey: string;
  readonly name: string;
  /** undefined: the app is not running (the page shows "not running — Start again"). */
  readonly urls: PreviewUrls | undefined;
  /** The webview's own source for styles and images (`webview.cspSource`). */
  readonly cspSource: string;
  /** The page's scripts, in order (previewState.js, then preview.js). */
  readonly scriptUris: readonly string[];
  readonly styleUri: string;
  readonly nonce: string;
  /** VS Code's Integrated Browser exists here: the toolbar offers it. */
  readonly integratedBrowser: boolean;
}

/** Only the app's own origins may be framed; the direct one is also probed with fetch. */
export function previewCsp(page: Pick<PreviewPage, 'urls' | 'cspSource' | 'nonce'>): string {
  const { urls } = page;
  const frameOrigins = urls ? [...new Set([originOf(urls.external), originOf(urls.direct)])].filter((o) => o !== '').join(' ') : "'none'";
  const connectOrigins = urls && !urls.externalAtRoot ? originOf(urls.direct) : "'none'";
  return [
    "default-src 'none'",
    `style-src ${page.cspSource}`,
    `img-src ${page.cspSource} data:`,
    `script-src 'nonce-${page.nonce}'`,
    `frame-src ${frameOrigins}`,
    `connect-src ${connectOrigins}`,
  ].join('; ');
}

export function previewHtml(page: PreviewPage): string {
  const name = escapeHtml(page.name);
  const config = { appKey: page.appKey, name: page.name, urls: page.urls ?? null, integratedBrowser: page.integratedBrowser };
  const scripts = page.scriptUris.map((uri) => `<script nonce="${page.nonce}" src="${escapeHtml(uri)}"></script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${previewCsp(page)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${page.styleUri}">
<title>${name}</title>
</head>
<body>
<nav class="toolbar" aria-label="Preview toolbar">
  <button id="back" title="Back" aria-label="Back" disabled>&#x2190;</button>
  <button id="forward" title="Forward" aria-label="Forward" disabled>&#x2192;</button>
  <button id="reload" title="Reload the page" aria-label="Reload">&#x21bb;</button>
  <button id="hard-reload" title="Hard reload: a new frame (the page's memory and connections are dropped)" aria-label="Hard reload">&#x27f3;</button>
  <input id="address" class="address" type="text" spellcheck="false" autocomplete="off" aria-label="Address: the path of the app" value="/">
  <select id="device" title="Device size" aria-label="Device size"></select>
  <button id="rotate" title="Rotate the device" aria-label="Rotate" disabled>&#x21c4;</button>
  <span id="device-size" class="device-size"></span>
  <button id="copy" title="Copy URL" aria-label="Copy URL">Copy URL</button>
  <button id="external" title="Open in external browser" aria-label="Open in external browser">Open in Browser</button>
  <button id="integrated" title="Open in VS Code's Integrated Browser" aria-label="Open in Integrated Browser" hidden>Integrated Browser</button>
  <button id="logs" title="Show the container logs in a terminal" aria-label="Show logs">Logs</button>
</nav>
<div id="notice" class="notice" hidden></div>
<div id="stopped" class="stopped" hidden>
  <p id="stopped-text">${name} is not running.</p>
  <button id="start">Start again</button>
</div>
<div id="viewport" class="viewport">
<div id="device-box" class="device-box"><iframe id="app-frame" title="${name}" sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads"></iframe></div>
</div>
<script nonce="${page.nonce}" id="config" type="application/json">${escapeJsonForHtml(config)}</script>
${scripts}
</body>
</html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside <script>: never let app names close the tag. */
function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
