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
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce: string;
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
  const config = { appKey: page.appKey, name: page.name, urls: page.urls ?? null };
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
  <button id="reload" title="Reload the page" aria-label="Reload">&#x21bb;</button>
  <span id="url" class="url" title=""></span>
  <button id="copy" title="Copy URL" aria-label="Copy URL">Copy URL</button>
  <button id="external" title="Open in external browser" aria-label="Open in external browser">Open in Browser</button>
  <button id="logs" title="Show the container logs" aria-label="Show logs">Logs</button>
</nav>
<div id="notice" class="notice" hidden></div>
<div id="stopped" class="stopped" hidden>
  <p id="stopped-text">${name} is not running.</p>
  <button id="start">Start again</button>
</div>
<iframe id="app-frame" title="${name}" sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads"></iframe>
<script nonce="${page.nonce}" id="config" type="application/json">${escapeJsonForHtml(config)}</script>
<script nonce="${page.nonce}" src="${page.scriptUri}"></script>
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
