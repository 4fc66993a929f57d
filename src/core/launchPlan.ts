import type { FolderInfo } from './appFolder';
import { APP_DIR } from './sourceMirror';
import type { WorkspaceMembership } from './workspaceMembership';
import type { BuildCacheDir } from './buildCache';
import { nextDevOriginsEnv } from './nextDevOrigins';
import {
  choosePackageManager,
  installCommand,
  packageCacheEnv,
  PACKAGE_CACHE_DIR,
  PM_SPEC_ENV,
  runScriptArgv,
  type PackageManagerChoice,
  type PackageManagerName,
} from './packageManager';

/** The stacks we know how to start without configuration. */
export type Stack =
  | 'next'
  | 'nuxt'
  | 'sveltekit'
  | 'astro'
  | 'react-router'
  | 'remix'
  | 'angular'
  | 'docusaurus'
  | 'gatsby'
  | 'storybook'
  | 'vue-cli'
  | 'cra'
  | 'parcel'
  | 'webpack-dev-server'
  | 'vite'
  | 'node';
export type PackageManager = PackageManagerName;

/** How to start an app that has no explicit command. */
export interface LaunchPlan {
  readonly stack: Stack;
  readonly packageManager: PackageManager;
  readonly packageManagerChoice: PackageManagerChoice;
  /** The port the app will listen on inside the container. */
  readonly containerPort: number;
  /** argv of the container's command. */
  readonly command: readonly string[];
  /** Extra environment (PORT and HOST are always set). */
  readonly env: Readonly<Record<string, string>>;
  /** Install dependencies into a per-app cache volume mounted at /app/node_modules. */
  readonly installDependencies: boolean;
  /** The stack's build cache folders, kept in per-app volumes between starts (buildCache.ts). */
  readonly buildCacheDirs: readonly BuildCacheDir[];
  /** What the user should know (e.g. a fallback was taken). */
  readonly notes: readonly string[];
}

export interface LaunchOptions {
  readonly fallbackPort: number;
  readonly image: string;
  readonly portOverride?: number;
  /**
   * Host names (or `.domain` suffixes) other than loopback, IPs and `*.localhost` that the
   * product hands out for the app (a proxied preview host): dev servers that check the Host
   * header are told to accept them.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * The app is a member of a monorepo workspace (workspaceMembership.ts): the package manager and
   * the install come from the root, whose copy is APP_DIR; the app runs in its own folder below.
   */
  readonly workspace?: { readonly membership: WorkspaceMembership; readonly rootInfo: FolderInfo };
}

interface StackRule {
  readonly stack: Exclude<Stack, 'node'>;
  /** Dependencies that identify the stack (any of them). */
  readonly dependencies: readonly string[];
  /** The tool (and sub-command) the script must start with for our flags to reach it. */
  readonly binary: RegExp;
  readonly defaultPort: number;
  /** Scripts besides dev and start that are this stack's main one (Vue CLI's `serve`). */
  readonly extraScripts?: readonly string[];
  /**
   * Flags making the dev server listen on all interfaces of the container, on `port`. They are
   * appended to the script, so they win over a config file that pins `server.port`/`host`.
   */
  readonly args: (port: number, allowedHosts: readonly string[]) => string[];
  readonly env?: (port: number) => Record<string, string>;
  /** What the stack must be told of the host names the editor forwards previews under (beyond Vite's variable). */
  readonly forwardedHostsEnv?: (hosts: readonly string[], info: FolderInfo, notes: string[]) => Record<string, string>;
  /** Where the dev server keeps its build cache in the app folder (kept in a volume). */
  readonly buildCache?: BuildCacheDir;
}

/** A script that starts with one of the tools (optionally through npx/pnpm exec/yarn/bunx). */
function calls(...tools: string[]): RegExp {
  return new RegExp(`^\\s*(?:npx\\s+|bunx\\s+|pnpm\\s+(?:exec\\s+)?|yarn\\s+)?(?:${tools.join('|')})(?:\\s|$)`);
}

/** Vite's own CLI flags (also taken by the Vite-based CLIs of React Router and Remix). */
const viteArgs = (p: number): string[] => ['--host', '0.0.0.0', '--port', String(p), '--strictPort'];

// Order matters: meta-frameworks first (a SvelteKit app also depends on vite, a Storybook package
// on its framework's dev server).
const RULES: readonly StackRule[] = [
  {
    stack: 'next',
    dependencies: ['next'],
    binary: calls('next'),
    defaultPort: 3000,
    args: (p) => ['-H', '0.0.0.0', '-p', String(p)],
    forwardedHostsEnv: (hosts, info, notes) => nextDevOriginsEnv(hosts, info.pkg?.dependencies['next'], notes),
    buildCache: '.next',
  },
  { stack: 'nuxt', dependencies: ['nuxt'], binary: calls('nuxt', 'nuxi'), defaultPort: 3000, args: (p) => ['--host', '0.0.0.0', '--port', String(p)], buildCache: '.nuxt' },
  { stack: 'sveltekit', dependencies: ['@sveltejs/kit'], binary: calls('vite'), defaultPort: 5173, args: viteArgs, buildCache: '.svelte-kit' },
  { stack: 'astro', dependencies: ['astro'], binary: calls('astro'), defaultPort: 4321, args: (p) => ['--host', '0.0.0.0', '--port', String(p)], buildCache: '.astro' },
  { stack: 'react-router', dependencies: ['@react-router/dev'], binary: calls('react-router\\s+dev'), defaultPort: 5173, args: viteArgs },
  // Remix 2 on Vite; the older `remix dev` (its own compiler) takes other flags and is not matched.
  { stack: 'remix', dependencies: ['@remix-run/dev'], binary: calls('remix\\s+vite:dev'), defaultPort: 5173, args: viteArgs },
  {
    stack: 'angular',
    dependencies: ['@angular/cli', '@angular/core'],
    binary: calls('ng\\s+(?:serve|s|dev)'),
    defaultPort: 4200,
    args: (p) => ['--host', '0.0.0.0', '--port', String(p)],
    // No analytics question (it would wait for an answer nobody can give).
    env: () => ({ NG_CLI_ANALYTICS: 'false' }),
    buildCache: '.angular',
  },
  {
    stack: 'docusaurus',
    dependencies: ['@docusaurus/core'],
    binary: calls('docusaurus\\s+start'),
    defaultPort: 3000,
    args: (p) => ['--host', '0.0.0.0', '--port', String(p), '--no-open'],
    buildCache: '.docusaurus',
  },
  {
    stack: 'gatsby',
    dependencies: ['gatsby'],
    binary: calls('gatsby\\s+develop'),
    defaultPort: 8000,
    args: (p) => ['-H', '0.0.0.0', '-p', String(p)],
    env: () => ({ GATSBY_TELEMETRY_DISABLED: '1' }),
  },
  {
    stack: 'storybook',
    dependencies: ['storybook', '@storybook/cli'],
    binary: calls('storybook\\s+dev', 'start-storybook'),
    defaultPort: 6006,
    extraScripts: ['storybook'],
    // --ci: no browser, no interactive questions (such as "use another port?").
    args: (p) => ['--host', '0.0.0.0', '-p', String(p), '--ci'],
    env: () => ({ STORYBOOK_DISABLE_TELEMETRY: '1' }),
  },
  {
    stack: 'vue-cli',
    dependencies: ['@vue/cli-service'],
    binary: calls('vue-cli-service\\s+serve'),
    defaultPort: 8080,
    extraScripts: ['serve'],
    args: (p) => ['--host', '0.0.0.0', '--port', String(p)],
  },
  {
    stack: 'cra',
    dependencies: ['react-scripts'],
    binary: calls('react-scripts'),
    defaultPort: 3000,
    args: () => [],
    // CRA reads these; WDS_SOCKET_PORT=0 makes its live-reload socket use the page's own port.
    env: (p) => ({ PORT: String(p), HOST: '0.0.0.0', BROWSER: 'none', WDS_SOCKET_PORT: '0' }),
  },
  { stack: 'parcel', dependencies: ['parcel'], binary: calls('parcel'), defaultPort: 1234, args: (p) => ['--host', '0.0.0.0', '--port', String(p)] },
  {
    stack: 'webpack-dev-server',
    dependencies: ['webpack-dev-server'],
    binary: calls('webpack(?:-cli)?\\s+(?:serve|s|server)', 'webpack-dev-server'),
    defaultPort: 8080,
    // webpack-dev-server answers "Invalid Host header" to names it does not know.
    args: (p, hosts) => ['--host', '0.0.0.0', '--port', String(p), ...hosts.flatMap((h) => ['--allowed-hosts', h])],
  },
  { stack: 'vite', dependencies: ['vite'], binary: calls('vite'), defaultPort: 5173, args: viteArgs },
];

/** Which package manager the app uses (see packageManager.ts). */
export function packageManagerOf(info: FolderInfo): PackageManager {
  return packageManagerChoiceOf(info).name;
}

export function packageManagerChoiceOf(info: FolderInfo): PackageManagerChoice {
  return choosePackageManager({ packageManagerField: info.pkg?.packageManager, files: info.files, heads: info.heads ?? {} });
}

/** Marks a completed install inside the cache volume; a newer package.json or lockfile makes it stale. */
export const INSTALL_STAMP = 'node_modules/.preview-containers-installed';

/**
 * A workspace member's install, at the root of the copy (its own name: a volume an app filled while
 * it ran on its own is not taken for the workspace's install).
 */
export const WORKSPACE_INSTALL_STAMP = `${APP_DIR}/node_modules/.preview-containers-workspace-installed`;

/**
 * In the container's own layer, not the volume: package managers also link into each workspace
 * package's node_modules (pnpm always), which a new container's fresh copy does not have.
 */
const WORKSPACE_LINKED_MARK = '/tmp/.preview-containers-workspace-linked';

/**
 * Wraps `run` so that (1) the package manager is installed from the npm registry into the shared
 * cache, once per version, and put first on PATH, and (2) dependencies are installed when the
 * cache volume has none or package.json/the lockfile changed since. The shell only sees constant
 * text; the package manager's spec travels in an environment variable and the command as "$@".
 */
export function withInstall(choice: PackageManagerChoice, run: readonly string[], install = true, workspace = false): string[] {
  const steps: string[] = [];
  if (choice.packageSpec !== undefined) {
    const bin = choice.name;
    // A temporary folder renamed into place: two apps starting together never see half an install.
    steps.push(
      `d="${PACKAGE_CACHE_DIR}/pm/$${PM_SPEC_ENV}"`,
      `if [ ! -x "$d/node_modules/.bin/${bin}" ]; then t="$d.tmp.$$"; rm -rf "$t"; mkdir -p "$t" && npm install --prefix "$t" --no-save --no-package-lock --no-audit --no-fund "$${PM_SPEC_ENV}" || exit 1; [ -x "$d/node_modules/.bin/${bin}" ] || mv "$t" "$d"; rm -rf "$t"; fi`,
      'PATH="$d/node_modules/.bin:$PATH"; export PATH',
    );
  }
  if (install && workspace) {
    steps.push(workspaceInstallStep(choice));
  } else if (install) {
    const newer = ['package.json', ...(choice.lockfile ? [choice.lockfile] : [])].map((file) => ` || [ ${file} -nt ${INSTALL_STAMP} ]`).join('');
    // Yarn's Plug'n'Play writes its install state into the project (.pnp.cjs), which is the
    // container's fresh copy at every start (see sourceMirror.ts): then the install runs again
    // (quick: the package cache is shared). With node_modules linking the state is in the volume.
    const pnp = choice.yarnFlavor === 'berry' ? ' || { [ ! -e .pnp.cjs ] && [ ! -e node_modules/.yarn-state.yml ]; }' : '';
    steps.push(`if [ ! -e ${INSTALL_STAMP} ]${newer}${pnp}; then ${installCommand(choice)} && touch ${INSTALL_STAMP} || exit 1; fi`);
  }
  steps.push('exec "$@"');
  return ['sh', '-c', steps.join('; '), 'sh', ...run];
}

/**
 * A workspace member runs in its folder below APP_DIR; the install runs at APP_DIR (the root). A
 * full frozen install when the root's package.json, its lockfile or the member's package.json
 * changed; otherwise, in a new container, a quick one that only links (pnpm, yarn and bun with a
 * complete store; npm without `ci`, which would wipe the volume's node_modules first).
 */
function workspaceInstallStep(choice: PackageManagerChoice): string {
  const stamp = WORKSPACE_INSTALL_STAMP;
  const newer = [`${APP_DIR}/package.json`, ...(choice.lockfile ? [`${APP_DIR}/${choice.lockfile}`] : []), 'package.json'].map((file) => ` || [ ${file} -nt ${stamp} ]`).join('');
  const relink = choice.name === 'npm' ? 'npm install --prefer-offline --no-audit --no-fund' : installCommand(choice);
  return [
    `if [ ! -e ${stamp} ]${newer}; then (cd ${APP_DIR} && ${installCommand(choice)}) && touch ${stamp} ${WORKSPACE_LINKED_MARK} || exit 1`,
    `elif [ ! -e ${WORKSPACE_LINKED_MARK} ]; then (cd ${APP_DIR} && ${relink}) && touch ${WORKSPACE_LINKED_MARK} || exit 1; fi`,
  ].join('; ');
}

const MAIN_SCRIPTS = ['dev', 'start'];

/**
 * The stack whose dev server a script starts. `dev`/`start` first, for every stack: an app with
 * Storybook beside Vite is a Vite app; a stack's extra scripts (`serve`, `storybook`) only after.
 */
function matchStack(info: FolderInfo): { rule: StackRule; script: string } | undefined {
  const scripts = info.pkg?.scripts ?? {};
  const present = RULES.filter((r) => r.dependencies.some((dep) => info.pkg?.dependencies[dep] !== undefined));
  for (const names of [() => MAIN_SCRIPTS, (rule: StackRule) => rule.extraScripts ?? []]) {
    for (const rule of present) {
      const script = names(rule).find((name) => scripts[name] !== undefined && rule.binary.test(scripts[name]));
      if (script) {
        return { rule, script };
      }
    }
  }
  return undefined;
}

/**
 * Infers how to start an app: the stack from its dependencies, the dev server flags that make it
 * listen on 0.0.0.0 at a known port, the package manager from package.json and the lockfile.
 * `fallbackPort` is the configured container port, used for plain Node apps (which read PORT).
 */
export function planLaunch(info: FolderInfo, options: LaunchOptions): LaunchPlan {
  const pkg = info.pkg;
  const notes: string[] = [];
  const workspace = options.workspace;
  // A member installs as its workspace does: the root's packageManager field and lockfile decide.
  let choice = packageManagerChoiceOf(workspace?.rootInfo ?? info);
  if (choice.name === 'bun' && /bun/i.test(options.image)) {
    // A bun image has bun (and maybe no npm to install it with).
    choice = { ...choice, packageSpec: undefined };
  }
  const matched = matchStack(info);
  const rule = matched?.rule;
  const scriptName = matched?.script ?? MAIN_SCRIPTS.find((name) => pkg?.scripts[name] !== undefined);
  const installDependencies = (pkg?.hasDependencies ?? false) || (workspace?.rootInfo.pkg?.hasDependencies ?? false);
  const allowedHosts = options.allowedHosts ?? [];

  let stack: Stack = 'node';
  let containerPort = options.portOverride ?? options.fallbackPort;
  let run: string[];
  let env: Record<string, string> = {};
  if (rule && scriptName) {
    stack = rule.stack;
    containerPort = options.portOverride ?? rule.defaultPort;
    run = runScriptArgv(choice.name, scriptName, rule.args(containerPort, allowedHosts));
    env = rule.env?.(containerPort) ?? {};
  } else if (scriptName) {
    const known = RULES.find((r) => r.dependencies.some((dep) => pkg?.dependencies[dep] !== undefined));
    if (known) {
      notes.push(`The "${scriptName}" script does not call ${known.stack}'s dev server directly; it must listen on 0.0.0.0:$PORT itself.`);
    }
    run = runScriptArgv(choice.name, scriptName, []);
  } else {
    run = ['node', pkg?.main ?? 'index.js'];
  }
  if (pkg?.dependencies['fastify-cli'] !== undefined && stack === 'node') {
    // `fastify start` listens on localhost unless it believes it runs in Docker (it looks for
    // /.dockerenv, which podman does not create); it reads its address from this variable.
    env.FASTIFY_ADDRESS = '0.0.0.0';
  }
  if (allowedHosts.length > 0) {
    Object.assign(env, viteAllowedHostsEnv(allowedHosts, notes));
    if (rule && scriptName) {
      Object.assign(env, rule.forwardedHostsEnv?.(allowedHosts, info, notes));
    }
  }
  const needsWrapper = installDependencies || (choice.packageSpec !== undefined && run[0] === choice.name);
  return {
    stack,
    packageManager: choice.name,
    packageManagerChoice: choice,
    containerPort,
    command: needsWrapper ? withInstall(choice, run, installDependencies, workspace !== undefined) : run,
    env: { ...(needsWrapper ? packageCacheEnv(choice) : {}), ...env },
    installDependencies,
    buildCacheDirs: rule?.buildCache !== undefined ? [rule.buildCache] : [],
    notes: [
      ...(workspace ? [`workspace member ${workspace.membership.member} (${workspace.membership.declaredBy}), installed at the workspace root;`] : []),
      `package manager${workspace ? ' (of the workspace root)' : ''} from ${choice.reason}`,
      ...notes,
    ],
  };
}

/**
 * Vite (6.1 and later, and everything built on it: SvelteKit, Astro, Angular's dev server, React
 * Router…) adds this variable's value to `server.allowedHosts` unless that is `true`. Vite 6.1–7
 * take one host (a `.suffix` allows its sub-domains); 8 takes a comma-separated list.
 */
function viteAllowedHostsEnv(hosts: readonly string[], notes: string[]): Record<string, string> {
  if (hosts.length > 1) {
    notes.push(`Vite before 8 accepts one extra host from the environment: ${hosts[0] ?? ''} (not ${hosts.slice(1).join(', ')}).`);
  }
  return { __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: hosts.length > 1 ? (hosts[0] ?? '') : hosts.join(',') };
}
