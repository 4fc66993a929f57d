import * as l10n from '@vscode/l10n';
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
  /** The page's own scripts (source text, in order: previewState.js, then preview.js) and style, inlined (see previewAssets.ts). */
  readonly scripts: readonly string[];
  readonly style: string;
  readonly nonce: string;
  /** VS Code's Integrated Browser exists here: the toolbar offers it. */
  readonly integratedBrowser: boolean;
}

/** Only the app's own origins may be framed; the direct one is also probed with fetch. */
export function previewCsp(page: Pick<PreviewPage, 'urls' | 'nonce'>): string {
  const { urls } = page;
  const frameOrigins = urls ? [...new Set([originOf(urls.external), originOf(urls.direct)])].filter((o) => o !== '').join(' ') : "'none'";
  const connectOrigins = urls && !urls.externalAtRoot ? originOf(urls.direct) : "'none'";
  return [
    "default-src 'none'",
    `style-src 'nonce-${page.nonce}'`,
    'img-src data:',
    `script-src 'nonce-${page.nonce}'`,
    `frame-src ${frameOrigins}`,
    `connect-src ${connectOrigins}`,
  ].join('; ');
}

export function previewHtml(page: PreviewPage): string {
  const name = escapeHtml(page.name);
  const config = { appKey: page.appKey, name: page.name, urls: page.urls ?? null, integratedBrowser: page.integratedBrowser, strings: pageStrings(page.name) };
  const scripts = page.scripts.map((source) => `<script nonce="${page.nonce}">${inlined(source, 'script')}</script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${previewCsp(page)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${page.nonce}">${inlined(page.style, 'style')}</style>
<title>${name}</title>
</head>
<body>
<nav class="toolbar" aria-label="${escapeHtml(l10n.t('Preview toolbar'))}">
  <button id="back" title="${escapeHtml(l10n.t('Back'))}" aria-label="${escapeHtml(l10n.t('Back'))}" disabled>&#x2190;</button>
  <button id="forward" title="${escapeHtml(l10n.t('Forward'))}" aria-label="${escapeHtml(l10n.t('Forward'))}" disabled>&#x2192;</button>
  <button id="reload" title="${escapeHtml(l10n.t('Reload the page'))}" aria-label="${escapeHtml(l10n.t('Reload'))}">&#x21bb;</button>
  <button id="hard-reload" title="${escapeHtml(l10n.t('Hard reload: a new frame (the page\'s memory and connections are dropped)'))}" aria-label="${escapeHtml(l10n.t('Hard reload'))}">&#x27f3;</button>
  <input id="address" class="address" type="text" spellcheck="false" autocomplete="off" aria-label="${escapeHtml(l10n.t('Address: the path of the app'))}" value="/">
  <select id="device" title="${escapeHtml(l10n.t('Device size'))}" aria-label="${escapeHtml(l10n.t('Device size'))}"></select>
  <button id="rotate" title="${escapeHtml(l10n.t('Rotate the device'))}" aria-label="${escapeHtml(l10n.t('Rotate'))}" disabled>&#x21c4;</button>
  <span id="device-size" class="device-size"></span>
  <button id="copy" title="${escapeHtml(l10n.t('Copy URL'))}" aria-label="${escapeHtml(l10n.t('Copy URL'))}">${escapeHtml(l10n.t('Copy URL'))}</button>
  <button id="external" title="${escapeHtml(l10n.t('Open in external browser'))}" aria-label="${escapeHtml(l10n.t('Open in external browser'))}">${escapeHtml(l10n.t('Open in Browser'))}</button>
  <button id="integrated" title="${escapeHtml(l10n.t('Open in VS Code\'s Integrated Browser'))}" aria-label="${escapeHtml(l10n.t('Open in Integrated Browser'))}" hidden>${escapeHtml(l10n.t('Integrated Browser'))}</button>
  <button id="logs" title="${escapeHtml(l10n.t('Show the container logs in a terminal'))}" aria-label="${escapeHtml(l10n.t('Show logs'))}">${escapeHtml(l10n.t('Logs'))}</button>
</nav>
<div id="notice" class="notice" hidden></div>
<div id="stopped" class="stopped" hidden>
  <p id="stopped-text">${escapeHtml(l10n.t('{0} is not running.', page.name))}</p>
  <button id="start">${escapeHtml(l10n.t('Start again'))}</button>
</div>
<div id="viewport" class="viewport">
<div id="device-box" class="device-box"><iframe id="app-frame" title="${name}" sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads"></iframe></div>
</div>
<script nonce="${page.nonce}" id="config" type="application/json">${escapeJsonForHtml(config)}</script>
${scripts}
</body>
</html>`;
}

/** What preview.js says, in the display language (the webview has no l10n of its own). */
function pageStrings(name: string): Record<string, string> {
  return {
    drifted: l10n.t('The app went to another page by itself; the editor cannot see which (the app runs on its own origin). Back, Reload and Enter go to this address.'),
    addressHint: l10n.t('The page of the app shown below. Type a path (e.g. /about) and press Enter.'),
    onlyOwn: l10n.t('Only addresses of this app can be opened here, e.g. /about.'),
    proxied: l10n.t(
      'This app is shown through the editor’s own proxy, so it runs isolated here (no cookies or storage; pages that load assets from absolute paths may break). Use Open in Browser for the full app, or start code-server with --proxy-domain (each port gets its own host name).',
    ),
    starting: l10n.t('{0} is starting…', name),
    failed: l10n.t('{0} failed to start.', name),
    notRunning: l10n.t('{0} is not running.', name),
    retry: l10n.t('Retry'),
    startAgain: l10n.t('Start again'),
    fill: l10n.t('Fill'),
    phone: l10n.t('Phone {0}', '390×844'),
    tablet: l10n.t('Tablet {0}', '820×1180'),
    desktop: l10n.t('Desktop {0}', '1440×900'),
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Our own files, inlined: one that could close its element would be a bug here, not data to escape. */
function inlined(source: string, tag: 'script' | 'style'): string {
  if (new RegExp(`</${tag}`, 'i').test(source)) {
    throw new Error(`an inlined ${tag} must not contain "</${tag}"`);
  }
  return source;
}

/** JSON inside <script>: never let app names close the tag. */
function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
