import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppController, AppState } from '../core/appController';
import type { VisiblePreviews } from '../core/visiblePreviews';
import type { OpenPreviewResult, RunAppResult } from '../api';
import type { AppCatalog } from './appCatalog';
import type { AppOperations } from './appOperations';
import { Disposable } from './dispose';
import { previewHtml } from './previewHtml';
import { parseWebviewMessage } from './previewProtocol';
import { originOf, previewUrlsFor, type PreviewUrls } from './previewUrls';

export const PREVIEW_VIEW_TYPE = 'previewContainers.preview';

/** What the webview keeps with `setState`, so a reloaded window can restore the tab. */
interface PersistedState {
  readonly appKey: string;
}

export interface PreviewPanelsDeps {
  readonly extensionUri: vscode.Uri;
  readonly controller: AppController;
  readonly catalog: AppCatalog;
  /** Starts and logs go through the one service layer. */
  readonly operations: AppOperations;
  /** Where the idle reaper learns which previews are visible. */
  readonly visible: VisiblePreviews;
  /** A start from the tab's own button failed (commands report theirs themselves). */
  readonly reportError: (error: unknown, def: AppDefinition) => void;
}

/** How long "open preview" waits for the page to tell which URL its frame chose. */
const FRAME_URL_WAIT_MS = 5000;

/** One preview tab per app; re-opening focuses it. Restored after a window reload. */
export class PreviewPanels extends Disposable implements vscode.WebviewPanelSerializer<PersistedState> {
  private readonly panels = new Map<string, PreviewPanel>();

  constructor(private readonly deps: PreviewPanelsDeps) {
    super();
    this._register(deps.controller.onDidChangeState((state) => void this.panels.get(state.app.key)?.update(state)));
    // Deliberately never unregistered (as in VS Code's own webview sample): deactivation runs when
    // the window reloads or closes, possibly before the workbench saves its open editors, and a
    // webview whose serializer is gone is left out of that save — the tabs would not come back.
    vscode.window.registerWebviewPanelSerializer(PREVIEW_VIEW_TYPE, this);
  }

  /** Starts the app if needed, opens (or focuses) its tab, and says which URL the frame loads. */
  async openPreview(def: AppDefinition): Promise<OpenPreviewResult> {
    const result: RunAppResult = await this.deps.operations.run(def);
    const panel = await this.open(def);
    const fallback = new Promise<string>((resolve) => setTimeout(() => resolve(panel.previewUrls?.external ?? result.url), FRAME_URL_WAIT_MS));
    const previewUrl = await Promise.race([panel.frameUrl(), fallback]);
    return { appId: result.appId, port: result.port, url: result.url, previewUrl };
  }

  /** Opens (or reveals) the tab of an app, whatever its state. */
  async open(def: AppDefinition): Promise<PreviewPanel> {
    const existing = this.panels.get(def.ref.key);
    if (existing) {
      existing.reveal();
      await existing.update(this.deps.controller.stateOf(def.ref));
      return existing;
    }
    const state = this.deps.controller.stateOf(def.ref);
    const panel = vscode.window.createWebviewPanel(PREVIEW_VIEW_TYPE, titleFor(def, state), vscode.ViewColumn.Active, this.options());
    return this.adopt(panel, def);
  }

  has(appKey: string): boolean {
    return this.panels.has(appKey);
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
    const def = state?.appKey ? await this.deps.catalog.find(state.appKey) : undefined;
    if (!def) {
      panel.webview.html = '<!DOCTYPE html><html><body><p>This app is no longer part of the workspace.</p></body></html>';
      return;
    }
    panel.webview.options = this.options();
    await this.adopt(panel, def);
  }

  override dispose(): void {
    // Leave the tabs open: this runs on window reload and close too, and the user's previews must
    // be saved with the window and restored by the serializer, not closed by us.
    for (const panel of [...this.panels.values()]) {
      panel.detach();
    }
    super.dispose();
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // The app inside keeps its state (forms, scroll) when the tab is hidden.
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media')],
    };
  }

  private async adopt(webviewPanel: vscode.WebviewPanel, def: AppDefinition): Promise<PreviewPanel> {
    const key = def.ref.key;
    const panel = new PreviewPanel(webviewPanel, def, this.deps.extensionUri, {
      start: () => void this.openPreview(def).catch((error: unknown) => this.deps.reportError(error, def)),
      showLogs: () => void this.deps.operations.showLogs(def),
      visibility: (visible) => this.deps.visible.set(key, visible),
      closed: () => this.panels.delete(key),
    });
    this.panels.set(key, panel);
    await panel.update(this.deps.controller.stateOf(def.ref));
    return panel;
  }
}

/** What a tab asks of its owner. */
interface PanelHooks {
  start(): void;
  showLogs(): void;
  visibility(visible: boolean): void;
  closed(): void;
}

export class PreviewPanel extends Disposable {
  private shownPort: number | undefined;
  private shownStatus: string | undefined;
  private urls: PreviewUrls | undefined;
  private frameUrlValue: string | undefined;
  private readonly frameUrlWaiters: ((url: string) => void)[] = [];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly def: AppDefinition,
    private readonly extensionUri: vscode.Uri,
    private readonly hooks: PanelHooks,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'preview-containers.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)));
    this._register(panel.onDidChangeViewState((e) => hooks.visibility(e.webviewPanel.visible)));
    this._register({ dispose: () => hooks.visibility(false) });
    hooks.visibility(panel.visible);
  }

  get visible(): boolean {
    return !this.isDisposed && this.panel.visible;
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
    if (this.isDisposed) {
      return;
    }
    this.panel.title = titleFor(this.def, state);
    const port = state.status === 'running' ? state.port : undefined;
    if (port !== undefined && (port !== this.shownPort || this.shownStatus !== 'running')) {
      const urls = await previewUrlsFor(state.url ?? `http://127.0.0.1:${port}/`, this.def.ref.appId);
      if (this.isDisposed) {
        return; // the tab was closed meanwhile
      }
      this.urls = urls;
      this.frameUrlValue = undefined;
      this.shownPort = port;
      this.shownStatus = 'running';
      this.render(urls);
      return;
    }
    if (state.status !== 'running' && this.shownStatus !== state.status) {
      this.shownStatus = state.status;
      if (this.shownPort === undefined) {
        this.render(undefined);
      }
      void this.panel.webview.postMessage({ type: 'status', status: state.status, stage: state.stage ?? '', error: state.error ?? '' });
    }
  }

  override dispose(): void {
    if (!this.isDisposed) {
      this.detach();
      this.panel.dispose();
    }
  }

  /** Stops following the app but leaves the tab open (the window is going away). */
  detach(): void {
    if (this.isDisposed) {
      return;
    }
    this.hooks.closed();
    super.dispose();
  }

  private onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    switch (message?.type) {
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
        this.hooks.showLogs();
        break;
      case 'start':
        this.hooks.start();
        break;
      case 'frameUrl':
        // Only a URL we handed out: it becomes what Copy URL and the API report.
        if (this.urls && (message.url === this.urls.external || message.url === this.urls.direct)) {
          this.frameUrlValue = message.url;
          for (const resolve of this.frameUrlWaiters.splice(0)) {
            resolve(message.url);
          }
        }
        break;
      case undefined:
        break;
    }
  }

  private render(urls: PreviewUrls | undefined): void {
    const webview = this.panel.webview;
    const media = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', file)).toString();
    webview.html = previewHtml({
      appKey: this.def.ref.key,
      name: this.def.ref.name,
      urls,
      cspSource: webview.cspSource,
      scriptUri: media('preview.js'),
      styleUri: media('preview.css'),
      nonce: randomBytes(16).toString('base64'),
    });
  }
}

function titleFor(def: AppDefinition, state: AppState): string {
  return state.port !== undefined ? `${def.ref.name} :${state.port}` : def.ref.name;
}
