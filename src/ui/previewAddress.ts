import { slugify } from '../core/appIdentity';

/** What a preview's addresses are made of; no vscode import (the HTML builder and tests use it). */

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

/**
 * The app's URL for a path under a base URL we handed out (`/proxy/32100/` or `http://web.localhost:32100/`):
 * the path may not climb out of the base (`/../x`) or leave its origin (`//evil.example`); undefined then.
 */
export function appUrl(base: string, path: string): string | undefined {
  try {
    const root = new URL(base);
    const rootPath = root.pathname.endsWith('/') ? root.pathname : `${root.pathname}/`;
    const url = new URL(path.replace(/^\/+/, ''), `${root.origin}${rootPath}`);
    return url.origin === root.origin && url.pathname.startsWith(rootPath) ? url.href : undefined;
  } catch {
    return undefined;
  }
}
