/**
 * Next.js (15.2 and later; blocking from 16) refuses its HMR websocket and `/_next/*` requests
 * from an Origin that is not `localhost`, `*.localhost` or listed in `allowedDevOrigins` — which
 * only `next.config` can set (no flag, no environment variable). Behind the editor's own port
 * forwarding (code-server `--proxy-domain`, Codespaces, Gitpod) the page then renders but never
 * hot-reloads. The product does not write the app's files (and its container holds a copy), so
 * the forwarding domains are added where Next checks them: a tiny preload, passed inline through
 * NODE_OPTIONS (`--import` of a data: URL — nothing written into the container), wraps Next's
 * `blockCrossSiteDEV` to append them to the app's own list. If a Next version moves that module,
 * the hook matches nothing and Next behaves exactly as without it.
 */

/** The environment variable the preload reads the extra origins from (comma-separated). */
export const NEXT_DEV_ORIGINS_ENV = 'PREVIEW_CONTAINERS_NEXT_DEV_ORIGINS';

// Plain JavaScript, run by Node inside the container before the app; keep it small and total.
const PRELOAD = `import m from 'node:module';
const extra = (process.env.${NEXT_DEV_ORIGINS_ENV} || '').split(',').filter(Boolean);
const load = m._load;
m._load = function (request) {
  const loaded = load.apply(this, arguments);
  if (extra.length > 0 && typeof request === 'string' && request.endsWith('/block-cross-site-dev') && loaded && typeof loaded.blockCrossSiteDEV === 'function') {
    const real = loaded.blockCrossSiteDEV;
    return { ...loaded, blockCrossSiteDEV: (req, res, allowed, hostname) => real(req, res, [...(allowed || []), ...extra], hostname) };
  }
  return loaded;
};`;

/** `--import` was added in Node 18.18 / 20; Next 15.2 (the first to check origins) needs 18.18. */
export const NEXT_DEV_ORIGINS_NODE_OPTIONS = `--import=data:text/javascript,${encodeURIComponent(PRELOAD)}`;

/**
 * The environment that lets Next accept the forwarding domains (`.suffix` form, as
 * proxiedHostsOf gives them), for a Next version that checks origins (declared range 15 or later,
 * or a tag such as `latest`). Empty when there is nothing to add.
 */
export function nextDevOriginsEnv(suffixes: readonly string[], declaredRange: string | undefined, notes: string[]): Record<string, string> {
  if (suffixes.length === 0 || !checksOrigins(declaredRange)) {
    return {};
  }
  // `**.domain`: any depth of sub-domains (Next's wildcard syntax).
  const origins = suffixes.map((suffix) => `**${suffix}`);
  notes.push(`Next.js allows dev origins ${origins.join(', ')} (added at run time; the app's next.config is not changed).`);
  return { [NEXT_DEV_ORIGINS_ENV]: origins.join(','), NODE_OPTIONS: NEXT_DEV_ORIGINS_NODE_OPTIONS };
}

function checksOrigins(range: string | undefined): boolean {
  if (range === undefined) {
    return false;
  }
  const major = /(\d+)/.exec(range)?.[1];
  // A tag (`latest`, `canary`) is a current Next; an old major never checked origins.
  return major === undefined ? /^(latest|canary|rc|beta)$/i.test(range.trim()) : Number(major) >= 15;
}
