// @ts-check
// The preview tab's script: picks the URL the frame can load, runs the toolbar, and shows when the
// app stops. Runs in the webview (no Node, no VS Code API beyond acquireVsCodeApi).
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const config = JSON.parse(/** @type {HTMLElement} */ (document.getElementById('config')).textContent || '{}');
  const frame = /** @type {HTMLIFrameElement} */ (document.getElementById('app-frame'));
  const urlLabel = /** @type {HTMLElement} */ (document.getElementById('url'));
  const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));
  const stopped = /** @type {HTMLElement} */ (document.getElementById('stopped'));
  const stoppedText = /** @type {HTMLElement} */ (document.getElementById('stopped-text'));

  // Remember which app this tab shows, so a window reload can restore it.
  vscode.setState({ appKey: config.appKey });

  function post(type) {
    vscode.postMessage({ type });
  }
  document.getElementById('reload')?.addEventListener('click', () => {
    if (frame.src) {
      frame.src = frame.src;
    }
  });
  document.getElementById('copy')?.addEventListener('click', () => post('copyUrl'));
  document.getElementById('external')?.addEventListener('click', () => post('openExternal'));
  document.getElementById('logs')?.addEventListener('click', () => post('showLogs'));
  document.getElementById('start')?.addEventListener('click', () => post('start'));

  /** Can this browser reach the URL? (no-cors: an opaque answer still proves reachability) */
  async function reachable(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 1500);
    try {
      await fetch(url, { mode: 'no-cors', cache: 'no-store', signal: controller.signal });
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Origins of the pages around this webview (the editor's own among them), where the browser tells. */
  function ancestorOrigins() {
    try {
      return Array.from(window.location.ancestorOrigins || []);
    } catch {
      return [];
    }
  }

  function originOf(url) {
    try {
      return new URL(url).origin;
    } catch {
      return '';
    }
  }

  async function chooseUrl(urls) {
    if (urls.externalAtRoot && !ancestorOrigins().includes(originOf(urls.external))) {
      return { url: urls.external, warning: '', opaque: false };
    }
    // A path-prefixed proxy (code-server's /proxy/<port>/) breaks absolute asset paths. When this
    // browser runs on the same machine as the app, load the app directly instead.
    if (await reachable(urls.direct)) {
      return { url: urls.direct, warning: '', opaque: false };
    }
    // The proxy serves the app from the editor's own origin: framed as it is, the app's code would
    // run with the user's editor session. It gets an opaque origin instead (no cookies, no storage).
    return {
      url: urls.external,
      opaque: true,
      warning:
        'This app is shown through the editor’s own proxy, so it runs isolated here (no cookies or storage; pages that load assets from absolute paths may break). ' +
        'Use Open in Browser for the full app, or start code-server with --proxy-domain (each port gets its own host name).',
    };
  }

  function showStopped(status, stage, error) {
    stopped.hidden = false;
    frame.hidden = true;
    const what = status === 'starting' ? `${config.name} is starting… ${stage}` : status === 'failed' ? `${config.name} failed to start.` : `${config.name} is not running.`;
    stoppedText.textContent = what;
    const start = /** @type {HTMLButtonElement} */ (document.getElementById('start'));
    start.hidden = status === 'starting' || status === 'stopping';
    start.textContent = status === 'failed' ? 'Retry' : 'Start again';
    if (error) {
      stoppedText.title = error;
    }
  }

  window.addEventListener('message', (event) => {
    // Only the extension speaks to this page (through the webview host, our parent); the app in
    // the frame is code the user did not write and may post anything.
    if (event.source !== window.parent) {
      return;
    }
    const message = event.data;
    if (message && message.type === 'status' && typeof message.status === 'string') {
      if (message.status === 'running') {
        return; // the host re-renders the page with the (possibly new) port
      }
      showStopped(message.status, message.stage, message.error);
    }
  });

  if (!config.urls) {
    showStopped('stopped', '', '');
    return;
  }
  void chooseUrl(config.urls).then(({ url, warning, opaque }) => {
    if (opaque) {
      frame.setAttribute('sandbox', 'allow-scripts allow-forms allow-popups allow-modals allow-downloads');
    }
    frame.src = url;
    urlLabel.textContent = url;
    urlLabel.title = url;
    if (warning) {
      notice.textContent = warning;
      notice.hidden = false;
    }
    vscode.postMessage({ type: 'frameUrl', url });
  });
})();
