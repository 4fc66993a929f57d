import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import type { Stack } from '../../src/core/launchPlan';
import type { PackageManagerName } from '../../src/core/packageManager';

/**
 * Real project templates, fetched by name from the npm registry (their generators run here, as a
 * user would run them) and cached by `npm run setup` (scripts/fetchCorpus.ts). Tests copy a
 * template into a temp workspace and start it through AppController.
 *
 * Bump CORPUS_VERSION when a recipe changes: the cache is keyed by it.
 */
export const CORPUS_VERSION = 3;

/** Vite 8 has an optional dependency (napi-windows-process-start-time) this registry lacks; yarn refuses that. */
const VITE_7_PIN = 'vite ^7.3.0 (vite 8 has an optional dependency, napi-windows-process-start-time, that this registry lacks: yarn refuses it, npm and bun skip it)';

async function pinVite7(dir: string): Promise<void> {
  await editJson(path.join(dir, 'package.json'), (json) => {
    deps(json, 'devDependencies').vite = '^7.3.0';
  });
}

/** Versions the generators are run at (the registry here is partial: these exist). */
export const GENERATORS = {
  createVite: 'create-vite@9.3.0',
  createNextApp: 'create-next-app@16.4.3',
  expressGenerator: 'express-generator@4.16.1',
  angularCli: '@angular/cli@20.3.41',
  createDocusaurus: 'create-docusaurus@3.10.2',
  sv: 'sv@0.17.1',
  pnpm: 'pnpm@9.15.9',
  yarnClassic: 'yarn@1.22.22',
  yarnBerry: '@yarnpkg/cli-dist@4.18.1',
  bun: 'bun@1.4.5',
} as const;

export interface HmrEdit {
  /** File (relative to the app) and the text replaced in it. */
  readonly file: string;
  readonly from: string;
  readonly to: string;
  /** Whether the stack applies this edit without a full reload (React, Vue, Svelte, Next, Angular…). */
  readonly hot: boolean;
}

export interface CorpusTemplate {
  readonly id: string;
  readonly stack: Stack;
  readonly packageManager: PackageManagerName;
  /** How it is made, for docs/COMPATIBILITY.md. */
  readonly source: string;
  /** What had to be pinned because this registry lacks a version the template asks for. */
  readonly pins: readonly string[];
  /** Text the page shows once the app's own client code ran (Playwright's text search pierces shadow DOM). */
  readonly clientText: string;
  /** How we know the text came from client code, not only from server HTML. */
  readonly evidence: 'spa' | 'hydrated' | 'server-only';
  readonly edit?: HmrEdit;
  /** The app's folder inside the template when it is not the template's root (a monorepo's `apps/web`). */
  readonly appPath?: string;
  /** Writes the app into `dir` (which exists and is empty). */
  readonly make: (dir: string, tools: Tools) => Promise<void>;
}

export interface Tools {
  /** A folder inside the corpus cache for shared downloads. */
  readonly shared: string;
  /** Runs a program (argv, no shell) in `cwd`; throws with its output on failure. */
  readonly run: (cwd: string, command: string, args: readonly string[]) => Promise<void>;
}

/** Where the corpus lives: the project's cache folder (as for code-server). */
export function corpusDir(): string {
  const cacheRoot = process.env.PREVIEW_CONTAINERS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'preview-containers');
  return path.join(cacheRoot, `corpus-v${CORPUS_VERSION}`);
}

async function editJson(file: string, change: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  change(json);
  await fs.writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
}

function deps(json: Record<string, unknown>, field: 'dependencies' | 'devDependencies'): Record<string, string> {
  json[field] ??= {};
  return json[field] as Record<string, string>;
}

/** create-vite's templates ship in its npm package; the CLI only copies one and renames `_gitignore`. */
async function createViteTemplate(dir: string, tools: Tools, template: string): Promise<void> {
  const unpacked = path.join(tools.shared, 'create-vite');
  if (!(await exists(path.join(unpacked, 'package.json')))) {
    await fs.mkdir(tools.shared, { recursive: true });
    const tgz = path.join(tools.shared, 'create-vite.tgz');
    const { stdout } = await execa('npm', ['pack', GENERATORS.createVite, '--pack-destination', tools.shared, '--json'], { stdin: 'ignore' });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    await fs.rename(path.join(tools.shared, path.basename(filename)), tgz);
    await fs.mkdir(unpacked, { recursive: true });
    await execa('tar', ['-xzf', tgz, '-C', unpacked, '--strip-components=1'], { stdin: 'ignore' });
  }
  await fs.cp(path.join(unpacked, `template-${template}`), dir, { recursive: true });
  await fs.rename(path.join(dir, '_gitignore'), path.join(dir, '.gitignore')).catch(() => undefined);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The generator creates `name` inside `parent`; move its content into `dir`. */
async function generateInto(dir: string, generate: (parent: string, name: string) => Promise<void>): Promise<void> {
  const parent = await fs.mkdtemp(path.join(path.dirname(dir), '.gen-'));
  try {
    await generate(parent, 'app');
    for (const entry of await fs.readdir(path.join(parent, 'app'))) {
      await fs.rename(path.join(parent, 'app', entry), path.join(dir, entry));
    }
  } finally {
    await fs.rm(parent, { recursive: true, force: true });
  }
}

const COUNT_TEXT = 'Count is 0';
const viteEdit = (file: string, hot: boolean): HmrEdit => ({ file, from: 'Get started', to: 'Edited by the corpus test', hot });

/** A create-vite template as the CLI writes it (npm, no lockfile). */
function viteTemplate(template: string, edit: HmrEdit): CorpusTemplate {
  return {
    id: `vite-${template}`,
    stack: 'vite',
    packageManager: 'npm',
    source: `${GENERATORS.createVite} template-${template}`,
    pins: [],
    clientText: COUNT_TEXT,
    evidence: 'spa',
    edit,
    make: (dir, tools) => createViteTemplate(dir, tools, template),
  };
}

export const TEMPLATES: readonly CorpusTemplate[] = [
  viteTemplate('react', viteEdit('src/App.jsx', true)),
  viteTemplate('vue', viteEdit('src/components/HelloWorld.vue', true)),
  viteTemplate('svelte', viteEdit('src/App.svelte', true)),
  // main.js accepts no hot update: Vite reloads the page (expected).
  viteTemplate('vanilla', viteEdit('src/main.js', false)),
  viteTemplate('lit', { file: 'src/my-element.js', from: 'Count is', to: 'Clicks:', hot: false }),
  {
    id: 'vite-qwik',
    stack: 'vite',
    packageManager: 'npm',
    source: `${GENERATORS.createVite} template-qwik`,
    pins: ['@builder.io/qwik 1.20.1 (the template asks for ^1.20.2, which this registry lacks)'],
    clientText: COUNT_TEXT,
    evidence: 'spa',
    edit: viteEdit('src/app.jsx', false),
    make: async (dir, tools) => {
      await createViteTemplate(dir, tools, 'qwik');
      await editJson(path.join(dir, 'package.json'), (json) => {
        deps(json, 'dependencies')['@builder.io/qwik'] = '1.20.1';
      });
    },
  },
  {
    id: 'next-app',
    stack: 'next',
    packageManager: 'npm',
    source: `${GENERATORS.createNextApp} --ts --app (the "app" template)`,
    pins: [],
    clientText: 'To get started, edit the',
    evidence: 'hydrated',
    edit: { file: 'app/page.tsx', from: 'To get started, edit the', to: 'Edited by the corpus test, see the', hot: true },
    make: (dir, tools) =>
      generateInto(dir, (parent, name) =>
        tools.run(parent, 'npx', ['-y', GENERATORS.createNextApp, name, '--ts', '--app', '--no-eslint', '--no-tailwind', '--no-src-dir', '--import-alias', '@/*', '--skip-install', '--disable-git', '--use-npm', '--yes', '--no-turbopack']),
      ),
  },
  {
    id: 'express',
    stack: 'node',
    packageManager: 'npm',
    source: `${GENERATORS.expressGenerator} --view=pug`,
    pins: [],
    clientText: 'Welcome to Express',
    evidence: 'server-only',
    make: (dir, tools) => generateInto(dir, (parent, name) => tools.run(parent, 'npx', ['-y', GENERATORS.expressGenerator, '--view=pug', name])),
  },
  {
    id: 'angular',
    stack: 'angular',
    packageManager: 'npm',
    source: `ng new from ${GENERATORS.angularCli} --defaults`,
    pins: ['@angular/build and @angular/cli 20.3.41 (ng new writes ^20.3.43; @angular/build 20.3.43 is missing here)'],
    clientText: 'Hello, app',
    evidence: 'spa',
    edit: { file: 'src/app/app.html', from: 'Congratulations! Your app is running.', to: 'Edited by the corpus test.', hot: true },
    make: async (dir, tools) => {
      await generateInto(dir, (parent, name) => tools.run(parent, 'npx', ['-y', '-p', GENERATORS.angularCli, 'ng', 'new', name, '--skip-install', '--skip-git', '--defaults']));
      await editJson(path.join(dir, 'package.json'), (json) => {
        deps(json, 'devDependencies')['@angular/build'] = '20.3.41';
        deps(json, 'devDependencies')['@angular/cli'] = '20.3.41';
      });
    },
  },
  {
    id: 'docusaurus',
    stack: 'docusaurus',
    packageManager: 'npm',
    source: `${GENERATORS.createDocusaurus} classic --javascript`,
    pins: [],
    clientText: 'Dinosaurs are cool',
    evidence: 'spa',
    edit: { file: 'src/pages/index.js', from: 'Docusaurus Tutorial - 5min ⏱️', to: 'Edited by the corpus test', hot: true },
    make: (dir, tools) =>
      generateInto(dir, (parent, name) => tools.run(parent, 'npx', ['-y', GENERATORS.createDocusaurus, name, 'classic', '--skip-install', '--javascript'])),
  },
  {
    id: 'sveltekit',
    stack: 'sveltekit',
    packageManager: 'npm',
    source: `${GENERATORS.sv} create --template minimal --types ts`,
    pins: [],
    clientText: 'Welcome to SvelteKit',
    evidence: 'hydrated',
    edit: { file: 'src/routes/+page.svelte', from: 'Welcome to SvelteKit', to: 'Edited by the corpus test', hot: true },
    make: (dir, tools) =>
      generateInto(dir, (parent, name) => tools.run(parent, 'npx', ['-y', GENERATORS.sv, 'create', '--template', 'minimal', '--types', 'ts', '--no-add-ons', '--no-install', name])),
  },
  {
    id: 'ai-builder-pnpm',
    stack: 'vite',
    packageManager: 'pnpm',
    source:
      `the scaffold AI app builders write: ${GENERATORS.createVite} template-react-ts with the builder's Vite 5 + React 18 + SWC pins, ` +
      `\`server: { host: "::", port: 8080 }\` in vite.config.ts, a pnpm-lock.yaml (lockfile 9.0, by ${GENERATORS.pnpm}) and no packageManager field`,
    pins: [],
    clientText: COUNT_TEXT,
    evidence: 'spa',
    edit: viteEdit('src/App.tsx', true),
    make: async (dir, tools) => {
      await createViteTemplate(dir, tools, 'react-ts');
      await editJson(path.join(dir, 'package.json'), (json) => {
        json.name = 'vite_react_shadcn_ts';
        json.dependencies = { react: '^18.3.1', 'react-dom': '^18.3.1' };
        json.devDependencies = { '@types/react': '^18.3.3', '@types/react-dom': '^18.3.0', '@vitejs/plugin-react-swc': '^3.5.0', typescript: '^5.5.3', vite: '^5.4.1' };
        delete json.packageManager;
      });
      await fs.writeFile(
        path.join(dir, 'vite.config.ts'),
        `import { defineConfig } from "vite";\nimport react from "@vitejs/plugin-react-swc";\n\n// https://vitejs.dev/config/\nexport default defineConfig(() => ({\n  server: {\n    host: "::",\n    port: 8080,\n  },\n  plugins: [react()],\n}));\n`,
      );
      await tools.run(dir, 'npx', ['-y', GENERATORS.pnpm, 'install', '--lockfile-only']);
    },
  },
  {
    id: 'yarn-classic-vue',
    stack: 'vite',
    packageManager: 'yarn',
    source: `${GENERATORS.createVite} template-vue with a yarn.lock (v1) written by ${GENERATORS.yarnClassic}`,
    pins: [VITE_7_PIN],
    clientText: COUNT_TEXT,
    evidence: 'spa',
    edit: viteEdit('src/components/HelloWorld.vue', true),
    make: async (dir, tools) => {
      await createViteTemplate(dir, tools, 'vue');
      await pinVite7(dir);
      // yarn 1 has no lockfile-only mode: install without scripts, keep the lockfile.
      await tools.run(dir, 'npx', ['-y', GENERATORS.yarnClassic, 'install', '--ignore-scripts', '--non-interactive', '--no-progress']);
      await fs.rm(path.join(dir, 'node_modules'), { recursive: true, force: true });
    },
  },
  {
    id: 'yarn-berry-vue',
    stack: 'vite',
    packageManager: 'yarn',
    source: `${GENERATORS.createVite} template-vue with packageManager yarn@4.18.1 and a yarn.lock by ${GENERATORS.yarnBerry} (Plug'n'Play, berry's default)`,
    pins: [VITE_7_PIN],
    clientText: COUNT_TEXT,
    evidence: 'spa',
    edit: viteEdit('src/components/HelloWorld.vue', true),
    make: async (dir, tools) => {
      await createViteTemplate(dir, tools, 'vue');
      await pinVite7(dir);
      await editJson(path.join(dir, 'package.json'), (json) => {
        json.packageManager = 'yarn@4.18.1';
      });
      await fs.writeFile(path.join(dir, 'yarn.lock'), '');
      await tools.run(dir, 'npx', ['-y', '-p', GENERATORS.yarnBerry, 'yarn', 'install', '--mode=update-lockfile']);
      for (const generated of ['.pnp.cjs', '.pnp.loader.mjs', '.yarn']) {
        await fs.rm(path.join(dir, generated), { recursive: true, force: true });
      }
    },
  },
  {
    id: 'pnpm-monorepo',
    stack: 'vite',
    packageManager: 'pnpm',
    source:
      `a pnpm workspace laid out as turborepo's examples are (hand-made: create-turbo fetches its examples from GitHub, which this machine cannot reach): ` +
      `apps/web is ${GENERATORS.createVite} template-react-ts depending on \`@repo/ui: workspace:*\`, packages/ui an internal package of .tsx sources, ` +
      `one pnpm-lock.yaml at the root (by ${GENERATORS.pnpm})`,
    pins: [],
    clientText: 'Greetings from the ui package',
    evidence: 'spa',
    appPath: 'apps/web',
    // The shared package's source: the edit must reach the app through the workspace link, hot.
    edit: { file: '../../packages/ui/src/Greeting.tsx', from: 'Greetings from the ui package', to: 'Edited in packages/ui', hot: true },
    make: async (dir, tools) => {
      await fs.writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'corpus-monorepo', private: true, scripts: { dev: 'pnpm --filter web dev' } }, null, 2)}\n`);
      await fs.writeFile(path.join(dir, 'pnpm-workspace.yaml'), "packages:\n  - 'apps/*'\n  - 'packages/*'\n");
      const web = path.join(dir, 'apps', 'web');
      await fs.mkdir(web, { recursive: true });
      await createViteTemplate(web, tools, 'react-ts');
      await editJson(path.join(web, 'package.json'), (json) => {
        json.name = 'web';
        deps(json, 'dependencies')['@repo/ui'] = 'workspace:*';
      });
      const app = path.join(web, 'src', 'App.tsx');
      const appText = await fs.readFile(app, 'utf8');
      await fs.writeFile(app, `import { Greeting } from '@repo/ui/greeting'\n${appText.replace(/(<h1>[^<]*<\/h1>)/, '$1\n      <Greeting />')}`);
      const ui = path.join(dir, 'packages', 'ui');
      await fs.mkdir(path.join(ui, 'src'), { recursive: true });
      await fs.writeFile(
        path.join(ui, 'package.json'),
        `${JSON.stringify({ name: '@repo/ui', version: '0.0.0', private: true, type: 'module', exports: { './greeting': './src/Greeting.tsx' }, peerDependencies: { react: '*' } }, null, 2)}\n`,
      );
      await fs.writeFile(path.join(ui, 'src', 'Greeting.tsx'), "export function Greeting() {\n  return <p className=\"greeting\">Greetings from the ui package</p>\n}\n");
      await tools.run(dir, 'npx', ['-y', GENERATORS.pnpm, 'install', '--lockfile-only']);
    },
  },
  {
    id: 'bun-react',
    stack: 'vite',
    packageManager: 'bun',
    source: `${GENERATORS.createVite} template-react with a bun.lock written by ${GENERATORS.bun} (from its npm package)`,
    pins: [],
    clientText: COUNT_TEXT,
    evidence: 'spa',
    edit: viteEdit('src/App.jsx', true),
    make: async (dir, tools) => {
      await createViteTemplate(dir, tools, 'react');
      await tools.run(dir, 'npx', ['-y', GENERATORS.bun, 'install', '--lockfile-only']);
    },
  },
];

export function templateById(id: string): CorpusTemplate {
  const template = TEMPLATES.find((t) => t.id === id);
  if (!template) {
    throw new Error(`no corpus template "${id}"`);
  }
  return template;
}
