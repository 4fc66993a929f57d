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

  async function chooseUrl(urls) {
    if (urls.externalAtRoot) {
      return { url: urls.external, warning: '' };
    }
    // A path-prefixed proxy (code-server's /proxy/<port>/) breaks absolute asset paths. When this
    // browser runs on the same machine as the app, load the app directly instead.
    if (await reachable(urls.direct)) {
      return { url: urls.direct, warning: '' };
    }
    return {
      url: urls.external,
      warning:
        'This app is shown through a path-prefixed proxy; pages that load assets from absolute paths (/assets/…) may break. ' +
        'Start code-server with --proxy-domain (each port gets its own host name) to fix this.',
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
    const message = event.data;
    if (message && message.type === 'status') {
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
  void chooseUrl(config.urls).then(({ url, warning }) => {
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
