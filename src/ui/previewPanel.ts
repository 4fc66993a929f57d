import * as vscode from 'vscode';
import type { AppDefinition } from '../core/appFolder';
import type { AppController } from '../core/appController';
import type { VisiblePreviews } from '../core/visiblePreviews';
import type { OpenPreviewResult, RunAppResult } from '../api';
import type { AppCatalog } from './appCatalog';
import type { AppOperations } from './appOperations';
import { Disposable } from './dispose';
import type { IntegratedBrowser } from './integratedBrowser';
import { PreviewTab, titleFor } from './previewTab';
import { originOf } from './previewUrls';

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
  /** VS Code's Integrated Browser, where it exists. */
  readonly integrated: IntegratedBrowser;
  /** A start from the tab's own button failed (commands report theirs themselves). */
  readonly reportError: (error: unknown, def: AppDefinition) => void;
}

/** How long "open preview" waits for the page to tell which URL its frame chose. */
const FRAME_URL_WAIT_MS = 5000;

/** One preview tab per app; re-opening focuses it. Restored after a window reload. */
export class PreviewPanels extends Disposable implements vscode.WebviewPanelSerializer<PersistedState> {
  private readonly panels = new Map<string, PreviewTab>();

  constructor(private readonly deps: PreviewPanelsDeps) {
    super();
    this._register(deps.controller.onDidChangeState((state) => void this.panels.get(state.app.key)?.update(state)));
    this._register(deps.integrated.onDidChange((available) => [...this.panels.values()].forEach((tab) => tab.integratedBrowserChanged(available))));
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
  async open(def: AppDefinition): Promise<PreviewTab> {
    // An extension may have brought the Integrated Browser since; the toolbar then shows it.
    void this.deps.integrated.check();
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

  get(appKey: string): PreviewTab | undefined {
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
      // The page's script and style are inlined (previewAssets.ts): it loads no local file.
      localResourceRoots: [],
    };
  }

  private async adopt(webviewPanel: vscode.WebviewPanel, def: AppDefinition): Promise<PreviewTab> {
    const key = def.ref.key;
    const { integrated, reportError } = this.deps;
    const panel = new PreviewTab(webviewPanel, def, this.deps.extensionUri, {
      start: () => void this.openPreview(def).catch((error: unknown) => reportError(error, def)),
      showLogs: () => void this.deps.operations.showLogs(def),
      openIntegrated: (url) => void integrated.open(url).catch((error: unknown) => reportError(error, def)),
      visibility: (visible) => {
        this.deps.visible.set(key, visible);
        // An extension may have brought (or taken) the Integrated Browser since: ask again when shown.
        if (visible) {
          void integrated.check();
        }
      },
      closed: () => this.panels.delete(key),
      integratedBrowser: () => integrated.available,
    });
    this.panels.set(key, panel);
    await panel.update(this.deps.controller.stateOf(def.ref));
    return panel;
  }
}
