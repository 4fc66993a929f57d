import * as vscode from 'vscode';
import type { RunAppResult } from '../api';
import type { AppDefinition } from '../core/appFolder';
import type { Logger } from '../core/logger';
import type { IntegratedBrowser } from './integratedBrowser';
import type { PreviewPanels } from './previewPanel';
import { previewUrlsFor } from './previewUrls';

export type OpenTarget = 'tab' | 'integratedBrowser' | 'external';

/**
 * Opens a running app: its preview tab, VS Code's Integrated Browser or the external browser, at
 * the URL the editor hands out (`asExternalUri`: forwarded in Remote, proxied in code-server).
 */
export class AppOpener {
  constructor(
    private readonly previews: PreviewPanels,
    private readonly integrated: IntegratedBrowser,
    private readonly logger: Logger,
  ) {}

  /** `fallBack`: where the Integrated Browser does not exist, the preview tab instead of an error. */
  async open(def: AppDefinition, run: RunAppResult, target: OpenTarget, fallBack = false): Promise<void> {
    if (target === 'tab') {
      await this.previews.open(def);
      return;
    }
    const { external } = await previewUrlsFor(run.url, def.ref.appId);
    if (target === 'external') {
      await vscode.env.openExternal(vscode.Uri.parse(external));
      return;
    }
    if (fallBack && !(await this.integrated.check())) {
      this.logger.info(`VS Code's Integrated Browser is not available here; opening the preview tab of ${def.ref.appId} instead.`);
      await this.previews.open(def);
      return;
    }
    await this.integrated.open(external);
  }
}
