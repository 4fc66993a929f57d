import * as vscode from 'vscode';
import { slugify } from '../core/appIdentity';
import { isLoopbackHost } from '../core/readiness';

/** Where a preview can load an app from. */
export interface PreviewUrls {
  /** What `vscode.env.asExternalUri` makes of the app's port (Remote, Codespaces, code-server). */
  readonly external: string;
  /**
   * The port on this machine under the app's own host name, `http://<appId>.localhost:<port>/`:
   * browsers resolve `*.localhost` to loopback, and a host name per app keeps cookies and storage
   * apart (cookies ignore ports, so `127.0.0.1:32100` and `127.0.0.1:32101` would share them).
   */
  readonly direct: string;
  /**
   * Whether `external` serves the app at its root path. A path-prefixed proxy (code-server's
   * `/proxy/<port>/`) breaks the absolute asset paths every dev server uses.
   */
  readonly externalAtRoot: boolean;
}

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

/** `<appId>.localhost`: a valid DNS label however the app is called. */
export function isolatedHost(appId: string): string {
  return `${slugify(appId).slice(0, 63)}.localhost`;
}

export function isAtRoot(url: string): boolean {
  try {
    return new URL(url).pathname === '/';
  } catch {
    return false;
  }
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}
