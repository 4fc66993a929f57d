import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppController, AppState } from '../core/appController';
import type { AppCatalog } from './appCatalog';
import { parseWebviewMessage } from './previewProtocol';
import { originOf, previewUrlsFor, type PreviewUrls } from './previewUrls';

export const PREVIEW_VIEW_TYPE = 'previewContainers.preview';

/** What the webview keeps with `setState`, so a reloaded window can restore the tab. */
interface PersistedState {
  readonly appKey: string;
}

export interface PreviewActions {
  start(def: AppDefinition): Thenable<unknown>;
  showLogs(def: AppDefinition): Thenable<unknown>;
}

/** One preview tab per app; re-opening focuses it. Restored after a window reload. */
export class PreviewPanels implements vscode.WebviewPanelSerializer<PersistedState>, vscode.Disposable {
  private readonly panels = new Map<string, PreviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: AppController,
    private readonly catalog: AppCatalog,
    private readonly actions: PreviewActions,
  ) {
    const sub = controller.onDidChangeState((state) => void this.panels.get(state.app.key)?.update(state));
    this.disposables.push({ dispose: () => sub.dispose() });
    // Deliberately never unregistered (as in VS Code's own webview sample): deactivation runs when
    // the window reloads or closes, possibly before the workbench saves its open editors, and a
    // webview whose serializer is gone is left out of that save — the tabs would not come back.
    vscode.window.registerWebviewPanelSerializer(PREVIEW_VIEW_TYPE, this);
  }

  /** Opens (or reveals) the preview of an app and resolves with the URL its frame uses. */
  async open(def: AppDefinition): Promise<PreviewPanel> {
    const existing = this.panels.get(def.ref.key);
    if (existing) {
      existing.reveal();
      await existing.update(this.controller.stateOf(def.ref));
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(PREVIEW_VIEW_TYPE, titleFor(def, this.controller.stateOf(def.ref)), vscode.ViewColumn.Active, this.options());
    return this.adopt(panel, def);
  }

  has(appKey: string): boolean {
    return this.panels.has(appKey);
  }

  /** Keys of apps whose preview tab is visible right now (the idle reaper never stops those). */
  visibleAppKeys(): string[] {
    return [...this.panels.values()].filter((p) => p.visible).map((p) => p.def.ref.key);
  }

  get(appKey: string): PreviewPanel | undefined {
    return this.panels.get(appKey);
  }

  /** The origin an open preview loads its app from, once chosen. */
  originFor(appKey: string): string | undefined {
    const url = this.panels.get(appKey)?.chosenUrl;
    return url === undefined ? undefined : originOf(url);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PersistedState | undefined): Promise<void> {
    const def = state?.appKey ? await this.catalog.find(state.appKey) : undefined;
    if (!def) {
      panel.webview.html = '<!DOCTYPE html><html><body><p>This app is no longer part of the workspace.</p></body></html>';
      return;
    }
    panel.webview.options = this.options();
    await this.adopt(panel, def);
  }

  dispose(): void {
    // Leave the tabs open: this runs on window reload and close too, and the user's previews must
    // be saved with the window and restored by the serializer, not closed by us.
    for (const panel of [...this.panels.values()]) {
      panel.detach();
    }
    for (const d of this.disposables) {
      d.dispose();
    }
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // The app inside keeps its state (forms, scroll) when the tab is hidden.
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private async adopt(webviewPanel: vscode.WebviewPanel, def: AppDefinition): Promise<PreviewPanel> {
    const panel = new PreviewPanel(webviewPanel, def, this.extensionUri, this.actions, () => this.panels.delete(def.ref.key));
    this.panels.set(def.ref.key, panel);
    await panel.update(this.controller.stateOf(def.ref));
    return panel;
  }
}

export class PreviewPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private shownPort: number | undefined;
  private shownStatus: string | undefined;
  private urls: PreviewUrls | undefined;
  private frameUrlValue: string | undefined;
  private readonly frameUrlWaiters: ((url: string) => void)[] = [];
  private disposed = false;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly def: AppDefinition,
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PreviewActions,
    private readonly onDispose: () => void,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'preview-containers.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)),
    );
  }

  get visible(): boolean {
    return !this.disposed && this.panel.visible;
  }

  /** The URL the frame loads, once the webview has chosen it. */
  frameUrl(): Promise<string> {
    if (this.frameUrlValue !== undefined) {
      return Promise.resolve(this.frameUrlValue);
    }
    return new Promise((resolve) => this.frameUrlWaiters.push(resolve));
  }

  get previewUrls(): PreviewUrls | undefined {
    return this.urls;
  }

  get chosenUrl(): string | undefined {
    return this.frameUrlValue;
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  async update(state: AppState): Promise<void> {
    if (this.disposed) {
      return;
    }
    this.panel.title = titleFor(this.def, state);
    const port = state.status === 'running' ? state.port : undefined;
    if (port !== undefined && (port !== this.shownPort || this.shownStatus !== 'running')) {
      const urls = await previewUrlsFor(state.url ?? `http://127.0.0.1:${port}/`, this.def.ref.appId);
      if (this.disposed) {
        return; // the tab was closed meanwhile
      }
      this.urls = urls;
      this.frameUrlValue = undefined;
      this.shownPort = port;
      this.shownStatus = 'running';
      this.panel.webview.html = this.html(this.urls);
      return;
    }
    if (state.status !== 'running' && this.shownStatus !== state.status) {
      this.shownStatus = state.status;
      if (this.shownPort === undefined) {
        this.panel.webview.html = this.html(undefined);
      }
      void this.panel.webview.postMessage({ type: 'status', status: state.status, stage: state.stage ?? '', error: state.error ?? '' });
    }
  }

  dispose(): void {
    if (!this.disposed) {
      this.detach();
      this.panel.dispose();
    }
  }

  /** Stops following the app but leaves the tab open (the window is going away). */
  detach(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.onDispose();
    for (const d of this.disposables) {
      d.dispose();
    }
  }

  private onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      return;
    }
    switch (message.type) {
      case 'openExternal':
        if (this.urls) {
          void vscode.env.openExternal(vscode.Uri.parse(this.urls.external));
        }
        break;
      case 'copyUrl':
        if (this.urls) {
          void vscode.env.clipboard.writeText(this.frameUrlValue ?? this.urls.external);
          void vscode.window.setStatusBarMessage('Preview URL copied', 2000);
        }
        break;
      case 'showLogs':
        void this.actions.showLogs(this.def);
        break;
      case 'start':
        void this.actions.start(this.def);
        break;
      case 'frameUrl':
        // Only a URL we handed out: it becomes what Copy URL and the API report.
        if (!this.urls || (message.url !== this.urls.external && message.url !== this.urls.direct)) {
          return;
        }
        this.frameUrlValue = message.url;
        for (const resolve of this.frameUrlWaiters.splice(0)) {
          resolve(message.url);
        }
        break;
    }
  }

  private html(urls: PreviewUrls | undefined): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (file: string): vscode.Uri => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', file));
    // Only the app's own origins may be framed; the direct one is also probed with fetch.
    const frameOrigins = urls ? [...new Set([originOf(urls.external), originOf(urls.direct)])].filter((o) => o !== '').join(' ') : "'none'";
    const connectOrigins = urls && !urls.externalAtRoot ? originOf(urls.direct) : "'none'";
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
      `frame-src ${frameOrigins}`,
      `connect-src ${connectOrigins}`,
    ].join('; ');
    const config = {
      appKey: this.def.ref.key,
      name: this.def.ref.name,
      urls: urls ?? null,
    };
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('preview.css').toString()}">
<title>${escapeHtml(this.def.ref.name)}</title>
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
  <p id="stopped-text">${escapeHtml(this.def.ref.name)} is not running.</p>
  <button id="start">Start again</button>
</div>
<iframe id="app-frame" title="${escapeHtml(this.def.ref.name)}" sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads"></iframe>
<script nonce="${nonce}" id="config" type="application/json">${escapeJsonForHtml(config)}</script>
<script nonce="${nonce}" src="${media('preview.js').toString()}"></script>
</body>
</html>`;
  }
}

function titleFor(def: AppDefinition, state: AppState): string {
  return state.port !== undefined ? `${def.ref.name} :${state.port}` : def.ref.name;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside <script>: never let app names close the tag. */
function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
