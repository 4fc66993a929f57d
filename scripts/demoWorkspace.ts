import * as fs from 'node:fs';
import * as path from 'node:path';

/** The sample apps of `npm run demo`: each prints its name; part of the page comes from `/app.js`. */
export const DEMO_APPS = ['alpha', 'beta'] as const;

/** Local image built by `npm run setup` (no registry is reachable on our machines). */
export const LOCAL_TEST_IMAGE = 'localhost/preview-node:test';

function serverSource(name: string): string {
  // The absolute script path is deliberate: previews must serve apps at the root of an origin.
  return `// Sample app "${name}" for npm run demo: a tiny HTTP server on $PORT.
const http = require('node:http');

const name = ${JSON.stringify(name)};
const port = Number(process.env.PORT || 3000);
const page = \`<!doctype html>
<html>
  <head><meta charset="utf-8"><title>\${name}</title></head>
  <body>
    <h1>Hello from \${name}</h1>
    <p id="from-script">(/app.js has not run)</p>
    <script src="/app.js"></script>
  </body>
</html>
\`;
const script = \`document.getElementById('from-script').textContent = '/app.js of \${name} ran at ' + new Date().toLocaleTimeString();\\n\`;

http
  .createServer((request, response) => {
    if (request.url === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(script);
    } else {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page);
    }
  })
  .listen(port, '0.0.0.0', () => console.log(\`\${name} listening on 0.0.0.0:\${port}\`));
`;
}

/**
 * (Re)writes the sample workspace: the app files are regenerated every run; settings.json is merged
 * so the user's own settings there survive.
 */
export function writeDemoWorkspace(workspace: string, settings: Readonly<Record<string, unknown>>): void {
  for (const name of DEMO_APPS) {
    const app = path.join(workspace, 'apps', name);
    fs.mkdirSync(app, { recursive: true });
    fs.writeFileSync(
      path.join(app, 'package.json'),
      `${JSON.stringify({ name, private: true, scripts: { start: 'node server.js' } }, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(app, 'server.js'), serverSource(name));
  }
  const settingsFile = path.join(workspace, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  let existing: Record<string, unknown> = {};
  if (fs.existsSync(settingsFile)) {
    try {
      existing = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    } catch {
      console.warn(`[demo] ${settingsFile} is not plain JSON (comments?); leaving it as it is.`);
      return;
    }
  }
  const merged: Record<string, unknown> = { ...existing, ...settings };
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) {
      delete merged[key];
    }
  }
  fs.writeFileSync(settingsFile, `${JSON.stringify(merged, null, 2)}\n`);
}
