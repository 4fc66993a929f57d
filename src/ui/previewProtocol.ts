/** What the preview webview's script (media/preview.js) may tell the extension. No vscode import: unit-tested. */
export type WebviewMessage =
  | { type: 'openExternal'; path: string }
  | { type: 'openIntegrated'; path: string }
  | { type: 'copyUrl'; path: string }
  | { type: 'showLogs' }
  | { type: 'start' }
  | { type: 'frameUrl'; url: string };

/** What the extension tells the page. */
export type PageMessage =
  | { type: 'status'; status: string; stage: string; error: string }
  | { type: 'integratedBrowser'; available: boolean };

const MAX_URL = 2048;

/** An app path as the page's address bar holds it: `/…`, no control characters or backslashes. */
export function isAppPath(value: unknown): value is string {
  // eslint-disable-next-line no-control-regex
  return typeof value === 'string' && value.startsWith('/') && value.length <= MAX_URL && !/[\u0000-\u001f\u007f\\]/.test(value);
}

/**
 * Messages come from our preview script, but the app framed inside it is code the user did not
 * write: anything that is not exactly one of our messages is dropped. A path is only a path here;
 * the panel still resolves it against a URL it handed out (`appUrl`) before using it.
 */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  const message = value as Record<string, unknown>;
  const keys = Object.keys(message);
  switch (message.type) {
    case 'showLogs':
    case 'start':
      return keys.length === 1 ? { type: message.type } : undefined;
    case 'openExternal':
    case 'openIntegrated':
    case 'copyUrl':
      return keys.length === 2 && isAppPath(message.path) ? { type: message.type, path: message.path } : undefined;
    case 'frameUrl':
      return keys.length === 2 && typeof message.url === 'string' && message.url.length < MAX_URL ? { type: 'frameUrl', url: message.url } : undefined;
    default:
      return undefined;
  }
}
