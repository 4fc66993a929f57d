/**
 * The host names under which the editor's own port forwarding shows an app, as far as the
 * extension host's environment tells them. Dev servers that check the Host header (Vite,
 * webpack-dev-server) accept loopback, IP addresses and `*.localhost` by themselves; these are
 * the names they must be told about. Each is a `.suffix` (the domain and its sub-domains).
 */
export function proxiedHostsOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const hosts: string[] = [];
  // code-server `--proxy-domain` sets VSCODE_PROXY_URI to `//{{port}}.<domain>` (users may set
  // e.g. `https://{{port}}.<domain>/` themselves); its proxy keeps the Host header.
  const proxyUri = env['VSCODE_PROXY_URI'];
  if (proxyUri) {
    const authority = /^(?:[a-z][a-z0-9+.-]*:)?\/\/([^/?#]+)/i.exec(proxyUri)?.[1]?.replace(/:\d+$/, '');
    const port = authority?.indexOf('{{port}}') ?? -1;
    const rest = authority === undefined || port < 0 ? '' : authority.slice(port);
    // `{{port}}.a.b` or `x-{{port}}-y.a.b` → `.a.b`; a `{{host}}` pattern names no fixed domain.
    const suffix = rest.includes('{{host}}') ? '' : rest.slice(rest.indexOf('.') < 0 ? rest.length : rest.indexOf('.'));
    addSuffix(hosts, suffix);
  }
  // GitHub Codespaces: https://<codespace>-<port>.<forwarding domain>
  if (env['CODESPACES'] === 'true') {
    addSuffix(hosts, `.${env['GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN'] ?? 'app.github.dev'}`);
  }
  // Gitpod: https://<port>-<workspace host>
  const gitpod = env['GITPOD_WORKSPACE_URL'];
  if (gitpod) {
    const host = /^https?:\/\/([^/:]+)/i.exec(gitpod)?.[1] ?? '';
    addSuffix(hosts, host.includes('.') ? host.slice(host.indexOf('.')) : '');
  }
  return hosts;
}

/** Only plain DNS suffixes with at least two labels (never `.com`, never anything shell-like). */
function addSuffix(hosts: string[], suffix: string): void {
  const clean = suffix.toLowerCase();
  if (/^(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){2,}$/.test(clean) && !hosts.includes(clean)) {
    hosts.push(clean);
  }
}
