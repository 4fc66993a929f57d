import * as vscode from 'vscode';

/** Where a preview can load an app from. */
export interface PreviewUrls {
  /** `vscode.env.asExternalUri` of the local URL: what works in Remote, Codespaces, code-server. */
  readonly external: string;
  /** The port on this machine, for a browser that runs here too. */
  readonly direct: string;
  /**
   * Whether `external` serves the app at its root path. A path-prefixed proxy (code-server's
   * `/proxy/<port>/`) breaks the absolute asset paths every dev server uses.
   */
  readonly externalAtRoot: boolean;
}

export async function previewUrlsFor(localUrl: string): Promise<PreviewUrls> {
  const external = (await vscode.env.asExternalUri(vscode.Uri.parse(localUrl))).toString(true);
  return { external, direct: localUrl, externalAtRoot: isAtRoot(external) };
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
