// @ts-check
// The preview tab's script: picks the URL the frame can load, runs the toolbar (address, back /
// forward, reload, device sizes), and shows when the app stops. Runs in the webview (no Node, no
// VS Code API beyond acquireVsCodeApi); the pure parts are in previewState.js.
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  // @ts-ignore loaded before this script
  const { DEVICES, fitFrame, NavHistory, resolveAddress, pathOf, restoreView } = window.PreviewState;
  const config = JSON.parse(byId('config').textContent || '{}');
  /** The page's words in the display language (previewHtml.ts puts them in the config). */
  const strings = config.strings || {};
  const address = /** @type {HTMLInputElement} */ (byId('address'));
  const deviceSelect = /** @type {HTMLSelectElement} */ (byId('device'));
  const viewportEl = byId('viewport');
  const deviceBox = byId('device-box');
  let frame = /** @type {HTMLIFrameElement} */ (byId('app-frame'));
  const history = new NavHistory();
  const view = restoreView(vscode.getState(), config.appKey);
  let base = '';
  /** Loads of the frame this page caused and has not seen yet; any other load is the app's own navigation. */
  let expectedLoads = 0;

  /** @param {string} id */
  function byId(id) {
    return /** @type {HTMLElement} */ (document.getElementById(id));
  }

  /** Remember the app (the serializer restores the tab from it), its device and its address. */
  function save() {
    vscode.setState({ appKey: config.appKey, device: view.device, rotated: view.rotated, path: view.path });
  }

  /** @param {string} type @param {Record<string, unknown>} [fields] */
  function post(type, fields) {
    vscode.postMessage({ type, ...fields });
  }

  // ---- address and history ----

  /** @param {string} url @param {boolean} record */
  function navigate(url, record) {
    const current = history.current;
    // A change of the fragment alone scrolls the same document: no load follows.
    const sameDocument = current !== undefined && !history.drifted && url.includes('#') && url.split('#')[0] === current.split('#')[0];
    if (record) {
      history.open(url);
    }
    if (!sameDocument) {
      expectedLoads++;
    }
    frame.src = url;
    showAddress();
  }

  function showAddress() {
    view.path = pathOf(base, history.current) || '/';
    address.value = view.path;
    address.classList.toggle('stale', history.drifted);
    address.classList.remove('invalid');
    address.title = history.drifted
      ? strings.drifted
      : strings.addressHint;
    /** @type {HTMLButtonElement} */ (byId('back')).disabled = !history.canBack;
    /** @type {HTMLButtonElement} */ (byId('forward')).disabled = !history.canForward;
    save();
  }

  function onFrameLoad() {
    if (expectedLoads > 0) {
      expectedLoads--;
      return;
    }
    history.appNavigated();
    showAddress();
  }

  /** A new frame: a fresh browsing context (the page's memory, its sockets, its frame history all go). @param {string} url */
  function replaceFrame(url) {
    const fresh = /** @type {HTMLIFrameElement} */ (frame.cloneNode(false));
    fresh.removeAttribute('src');
    fresh.addEventListener('load', onFrameLoad);
    frame.replaceWith(fresh);
    frame = fresh;
    expectedLoads = 1;
    frame.src = url;
    showAddress();
  }

  address.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && base) {
      const url = resolveAddress(base, [base, config.urls.external, config.urls.direct], address.value);
      if (url === undefined) {
        address.classList.add('invalid');
        address.title = strings.onlyOwn;
        return;
      }
      navigate(url, true);
    }
  });
  address.addEventListener('input', () => address.classList.remove('invalid'));
  byId('back').addEventListener('click', () => {
    const url = history.back();
    if (url) {
      navigate(url, false);
    }
  });
  byId('forward').addEventListener('click', () => {
    const url = history.forward();
    if (url) {
      navigate(url, false);
    }
  });
  byId('reload').addEventListener('click', () => {
    const url = history.current;
    if (!url) {
      return;
    }
    history.drifted = false;
    // A URL with a fragment would only scroll; a fresh frame really loads it.
    url.includes('#') ? replaceFrame(url) : navigate(url, false);
  });
  byId('hard-reload').addEventListener('click', () => {
    if (history.current) {
      history.drifted = false;
      replaceFrame(history.current);
    }
  });
  frame.addEventListener('load', onFrameLoad);

  // ---- device sizes ----

  for (const [id, device] of Object.entries(DEVICES)) {
    deviceSelect.add(new Option(strings[id] ?? device.label, id, false, id === view.device));
  }
  deviceSelect.addEventListener('change', () => {
    view.device = deviceSelect.value;
    view.rotated = false;
    layout();
  });
  byId('rotate').addEventListener('click', () => {
    view.rotated = !view.rotated;
    layout();
  });

  function layout() {
    const fit = fitFrame(view.device, view.rotated, { width: viewportEl.clientWidth - 16, height: viewportEl.clientHeight - 16 });
    /** @type {HTMLButtonElement} */ (byId('rotate')).disabled = fit === undefined;
    viewportEl.classList.toggle('sized', fit !== undefined);
    byId('device-size').textContent = fit ? `${fit.width}×${fit.height}${fit.scale < 1 ? ` · ${Math.round(fit.scale * 100)}%` : ''}` : '';
    deviceBox.style.width = fit ? `${fit.width * fit.scale}px` : '';
    deviceBox.style.height = fit ? `${fit.height * fit.scale}px` : '';
    frame.style.width = fit ? `${fit.width}px` : '';
    frame.style.height = fit ? `${fit.height}px` : '';
    frame.style.transform = fit && fit.scale < 1 ? `scale(${fit.scale})` : '';
    save();
  }
  new ResizeObserver(() => layout()).observe(viewportEl);

  // ---- the rest of the toolbar ----

  byId('copy').addEventListener('click', () => post('copyUrl', { path: view.path }));
  byId('external').addEventListener('click', () => post('openExternal', { path: view.path }));
  byId('integrated').addEventListener('click', () => post('openIntegrated', { path: view.path }));
  byId('logs').addEventListener('click', () => post('showLogs'));
  byId('start').addEventListener('click', () => post('start'));
  byId('integrated').hidden = config.integratedBrowser !== true;

  window.addEventListener('message', (event) => {
    // Only the extension speaks to this page (through the webview host, our parent); the app in
    // the frame is code the user did not write and may post anything.
    if (event.source !== window.parent) {
      return;
    }
    const message = event.data;
    if (message && message.type === 'status' && typeof message.status === 'string' && message.status !== 'running') {
      // running: the host re-renders the page with the (possibly new) port
      showStopped(message.status, String(message.stage ?? ''), String(message.error ?? ''));
    } else if (message && message.type === 'integratedBrowser' && typeof message.available === 'boolean') {
      byId('integrated').hidden = !message.available;
    }
  });

  // ---- choosing the URL, and the app's state ----

  /** Can this browser reach the URL? (no-cors: an opaque answer still proves reachability) @param {string} url */
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

  /** @param {{ external: string, direct: string, externalAtRoot: boolean }} urls */
  async function chooseUrl(urls) {
    if (urls.externalAtRoot && !ancestorOrigins().includes(new URL(urls.external).origin)) {
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
      warning: strings.proxied,
    };
  }

  /** @param {string} status @param {string} stage @param {string} error */
  function showStopped(status, stage, error) {
    byId('stopped').hidden = false;
    viewportEl.hidden = true;
    const text = byId('stopped-text');
    text.textContent = status === 'starting' ? `${strings.starting} ${stage}` : status === 'failed' ? strings.failed : strings.notRunning;
    const start = /** @type {HTMLButtonElement} */ (byId('start'));
    start.hidden = status === 'starting' || status === 'stopping';
    start.textContent = status === 'failed' ? strings.retry : strings.startAgain;
    if (error) {
      text.title = error;
    }
  }

  layout();
  if (!config.urls) {
    showStopped('stopped', '', '');
    return;
  }
  void chooseUrl(config.urls).then(({ url, warning, opaque }) => {
    if (opaque) {
      frame.setAttribute('sandbox', 'allow-scripts allow-forms allow-popups allow-modals allow-downloads');
    }
    base = url;
    navigate(resolveAddress(base, [base], view.path) ?? base, true);
    if (warning) {
      byId('notice').textContent = warning;
      byId('notice').hidden = false;
    }
    post('frameUrl', { url });
  });
})();
