/** What the preview webview's script (media/preview.js) may tell the extension. No vscode import: unit-tested. */
export type WebviewMessage =
  | { type: 'openExternal' }
  | { type: 'copyUrl' }
  | { type: 'showLogs' }
  | { type: 'start' }
  | { type: 'frameUrl'; url: string };

/**
 * Messages come from our preview script, but the app framed inside it is code the user did not
 * write: anything that is not exactly one of our messages is dropped.
 */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  const message = value as Record<string, unknown>;
  const keys = Object.keys(message);
  switch (message.type) {
    case 'openExternal':
    case 'copyUrl':
    case 'showLogs':
    case 'start':
      return keys.length === 1 ? { type: message.type } : undefined;
    case 'frameUrl':
      return keys.length === 2 && typeof message.url === 'string' && message.url.length < 2048 ? { type: 'frameUrl', url: message.url } : undefined;
    default:
      return undefined;
  }
}
