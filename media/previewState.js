// @ts-check
// The preview page's pure parts: device sizes, the toolbar's history, addresses of the app, and the
// state kept with setState. No DOM here: the page (preview.js) uses it as window.PreviewState, the
// unit tests require() it.
(function (root) {
  /** Viewport sizes in CSS pixels (portrait); "fill" takes the whole tab. */
  const DEVICES = {
    fill: { label: 'Fill', width: 0, height: 0 },
    phone: { label: 'Phone 390×844', width: 390, height: 844 },
    tablet: { label: 'Tablet 820×1180', width: 820, height: 1180 },
    desktop: { label: 'Desktop 1440×900', width: 1440, height: 900 },
  };

  /**
   * The frame's size for a device in the room there is: the device's own viewport (so the app's
   * media queries see it), scaled down to fit, never up. undefined: fill the room.
   * @param {string} device @param {boolean} rotated @param {{ width: number, height: number }} room
   */
  function fitFrame(device, rotated, room) {
    const preset = Object.prototype.hasOwnProperty.call(DEVICES, device) ? DEVICES[/** @type {keyof typeof DEVICES} */ (device)] : undefined;
    if (!preset || preset.width === 0) {
      return undefined;
    }
    const width = rotated ? preset.height : preset.width;
    const height = rotated ? preset.width : preset.height;
    const scale = Math.min(1, room.width / width, room.height / height);
    return { width, height, scale: scale > 0 ? scale : 1 };
  }

  /**
   * Back and forward over the addresses this page opened in the frame. The frame shows another
   * origin, so its own history cannot be read or driven from here; a page the app navigated to by
   * itself is known only as "somewhere else" (`drifted`): Back then returns to the last known one.
   */
  class NavHistory {
    constructor(limit = 50) {
      /** @type {string[]} */
      this.entries = [];
      this.index = -1;
      this.drifted = false;
      this.limit = limit;
    }
    get current() {
      return this.entries[this.index];
    }
    /** @param {string} url */
    open(url) {
      this.entries = this.entries.slice(0, this.index + 1);
      this.entries.push(url);
      if (this.entries.length > this.limit) {
        this.entries.shift();
      }
      this.index = this.entries.length - 1;
      this.drifted = false;
    }
    /** The frame loaded a page nobody here asked for: a link or script inside the app. */
    appNavigated() {
      this.entries = this.entries.slice(0, this.index + 1);
      this.drifted = true;
    }
    get canBack() {
      return this.drifted ? this.index >= 0 : this.index > 0;
    }
    get canForward() {
      return !this.drifted && this.index < this.entries.length - 1;
    }
    /** @returns {string | undefined} the address to load */
    back() {
      if (!this.canBack) {
        return undefined;
      }
      if (this.drifted) {
        this.drifted = false;
      } else {
        this.index--;
      }
      return this.current;
    }
    forward() {
      if (!this.canForward) {
        return undefined;
      }
      this.index++;
      return this.current;
    }
  }

  /**
   * What the user typed, as a URL of the app under `base` (which ends with "/"): a path ("/about",
   * "about?x=1"), or a full URL under one of the app's handed-out bases (moved onto `base`).
   * undefined for anything else — another site, or a path that climbs out of a proxy prefix.
   * @param {string} base @param {readonly string[]} bases @param {string} typed
   */
  function resolveAddress(base, bases, typed) {
    const text = typed.trim();
    if (/[\u0000-\u001f\\]/.test(text) || text.length > 2000) {
      return undefined;
    }
    let path = text === '' ? '/' : text;
    if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
      const from = bases.find((b) => text.startsWith(b));
      if (from === undefined) {
        return undefined;
      }
      path = '/' + text.slice(from.length);
    }
    try {
      const url = new URL(path.replace(/^\/*/, ''), base).href;
      return url.startsWith(base) ? url : undefined;
    } catch {
      return undefined;
    }
  }

  /** The app's path of a URL under `base` ("/about?x#y"); "" when it is not under it. @param {string} base @param {string | undefined} url */
  function pathOf(base, url) {
    return url !== undefined && url.startsWith(base) ? '/' + url.slice(base.length) : '';
  }

  /**
   * What setState kept, when it belongs to this app and is well-formed (the state is ours, but
   * checked as any input is).
   * @param {unknown} saved @param {string} appKey
   */
  function restoreView(saved, appKey) {
    const view = { device: 'fill', rotated: false, path: '/' };
    if (typeof saved !== 'object' || saved === null) {
      return view;
    }
    const s = /** @type {Record<string, unknown>} */ (saved);
    if (s.appKey !== appKey) {
      return view;
    }
    if (typeof s.device === 'string' && Object.prototype.hasOwnProperty.call(DEVICES, s.device)) {
      view.device = s.device;
    }
    view.rotated = s.rotated === true;
    if (typeof s.path === 'string' && s.path.startsWith('/') && s.path.length <= 2000) {
      view.path = s.path;
    }
    return view;
  }

  const api = { DEVICES, fitFrame, NavHistory, resolveAddress, pathOf, restoreView };
  // @ts-ignore one file for the page (a global) and for Node (module.exports)
  if (typeof module === 'object' && module.exports) {
    // @ts-ignore
    module.exports = api;
  } else {
    root.PreviewState = api;
  }
})(/** @type {any} */ (typeof window === 'undefined' ? globalThis : window));
