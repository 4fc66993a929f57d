import * as vscode from 'vscode';
import { isLoopbackHost } from '../core/readiness';
import { isAtRoot, isolatedHost, type PreviewUrls } from './previewAddress';

export { isolatedHost, originOf, type PreviewUrls } from './previewAddress';

export async function previewUrlsFor(localUrl: string, appId: string): Promise<PreviewUrls> {
  const externalUri = (await vscode.env.asExternalUri(vscode.Uri.parse(localUrl))).toString(true);
  const local = new URL(localUrl);
  const direct = `http://${isolatedHost(appId)}:${local.port}/`;
  let external = externalUri;
  try {
    const parsed = new URL(externalUri);
    // Desktop VS Code on the same machine: asExternalUri hands back the loopback URL itself. Use
    // the app's own host name instead (same port, same machine), for the isolation above.
    if (isLoopbackHost(parsed.hostname) && parsed.port === local.port && parsed.pathname === '/') {
      external = direct;
    }
  } catch {
    // Keep what asExternalUri said.
  }
  return { external, direct, externalAtRoot: isAtRoot(external) };
}

