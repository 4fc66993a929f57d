import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppState } from '../core/appController';
import { Disposable } from './dispose';
import { appUrl } from './previewAddress';
import { previewAssets } from './previewAssets';
import { previewHtml } from './previewHtml';
import { parseWebviewMessage, type PageMessage } from './previewProtocol';
import { previewUrlsFor, type PreviewUrls } from './previewUrls';

/** What a tab asks of its owner. */
export interface TabHooks {
  start(): void;
  showLogs(): void;
  /** A URL of this app (already checked) for VS Code's Integrated Browser. */
  openIntegrated(url: string): void;
  visibility(visible: boolean): void;
  closed(): void;
  /** Whether the Integrated Browser exists, for the toolbar. */
  integratedBrowser(): boolean;
}

/** One app's preview tab: renders the page for the app's state and answers what the page asks. */
export class PreviewTab extends Disposable {
  private shownPort: number | undefined;
  private shownStatus: string | undefined;
  private urls: PreviewUrls | undefined;
  private frameUrlValue: string | undefined;
  private readonly frameUrlWaiters: ((url: string) => void)[] = [];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly def: AppDefinition,
    private readonly extensionUri: vscode.Uri,
    private readonly hooks: TabHooks,
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
      this.post({ type: 'status', status: state.status, stage: state.stage ?? '', error: state.error ?? '' });
    }
  }

  /** The Integrated Browser came or went: the toolbar follows. */
  integratedBrowserChanged(available: boolean): void {
    this.post({ type: 'integratedBrowser', available });
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

  private post(message: PageMessage): void {
    if (!this.isDisposed) {
      void this.panel.webview.postMessage(message);
    }
  }

  private onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (message === undefined) {
      return;
    }
    if (message.type === 'showLogs' || message.type === 'start') {
      return message.type === 'start' ? this.hooks.start() : this.hooks.showLogs();
    }
    if (message.type === 'frameUrl') {
      // Only a URL we handed out: it becomes what Copy URL and the API report.
      if (this.urls && (message.url === this.urls.external || message.url === this.urls.direct)) {
        this.frameUrlValue = message.url;
        for (const resolve of this.frameUrlWaiters.splice(0)) {
          resolve(message.url);
        }
      }
      return;
    }
    // A path of the app, resolved only against a URL we handed out (never one the page names).
    const base = message.type === 'copyUrl' ? (this.frameUrlValue ?? this.urls?.external) : this.urls?.external;
    const url = base === undefined ? undefined : appUrl(base, message.path);
    if (url === undefined) {
      return;
    }
    if (message.type === 'copyUrl') {
      void vscode.env.clipboard.writeText(url);
      void vscode.window.setStatusBarMessage(vscode.l10n.t('Preview URL copied'), 2000);
    } else if (message.type === 'openExternal') {
      void vscode.env.openExternal(vscode.Uri.parse(url));
    } else {
      this.hooks.openIntegrated(url);
    }
  }

  private render(urls: PreviewUrls | undefined): void {
    const webview = this.panel.webview;
    const assets = previewAssets(vscode.Uri.joinPath(this.extensionUri, 'media').fsPath);
    webview.html = previewHtml({
      appKey: this.def.ref.key,
      name: this.def.ref.name,
      urls,
      scripts: assets.scripts,
      style: assets.style,
      nonce: randomBytes(16).toString('base64'),
      integratedBrowser: this.hooks.integratedBrowser(),
    });
  }
}

export function titleFor(def: AppDefinition, state: AppState): string {
  return state.port !== undefined ? `${def.ref.name} :${state.port}` : def.ref.name;
}
