import type { FolderInfo } from './appFolder';

/** The stacks we know how to start without configuration. */
export type Stack = 'next' | 'nuxt' | 'sveltekit' | 'astro' | 'cra' | 'vite' | 'node';
export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** How to start an app that has no explicit command. */
export interface LaunchPlan {
  readonly stack: Stack;
  readonly packageManager: PackageManager;
  /** The port the app will listen on inside the container. */
  readonly containerPort: number;
  /** argv of the container's command. */
  readonly command: readonly string[];
  /** Extra environment (PORT and HOST are always set). */
  readonly env: Readonly<Record<string, string>>;
  /** Install dependencies into a per-app cache volume mounted at /app/node_modules. */
  readonly installDependencies: boolean;
  /** What the user should know (e.g. a fallback was taken). */
  readonly notes: readonly string[];
}

interface StackRule {
  readonly stack: Exclude<Stack, 'node'>;
  /** A dependency that identifies the stack. */
  readonly dependency: string;
  /** The tool the dev script must start with for our flags to reach it. */
  readonly binary: RegExp;
  readonly defaultPort: number;
  /** Flags making the dev server listen on all interfaces of the container, on `port`. */
  readonly args: (port: number) => string[];
  readonly env?: (port: number) => Record<string, string>;
}

/** A script that starts with one of the tools (optionally through npx/pnpm exec/yarn). */
function calls(...tools: string[]): RegExp {
  return new RegExp(`^\\s*(?:npx\\s+|pnpm\\s+(?:exec\\s+)?|yarn\\s+)?(?:${tools.join('|')})(?:\\s|$)`);
}

// Order matters: meta-frameworks first (a SvelteKit app also depends on vite).
const RULES: readonly StackRule[] = [
  { stack: 'next', dependency: 'next', binary: calls('next'), defaultPort: 3000, args: (p) => ['-H', '0.0.0.0', '-p', String(p)] },
  { stack: 'nuxt', dependency: 'nuxt', binary: calls('nuxt', 'nuxi'), defaultPort: 3000, args: (p) => ['--host', '0.0.0.0', '--port', String(p)] },
  { stack: 'sveltekit', dependency: '@sveltejs/kit', binary: calls('vite'), defaultPort: 5173, args: (p) => ['--host', '0.0.0.0', '--port', String(p), '--strictPort'] },
  { stack: 'astro', dependency: 'astro', binary: calls('astro'), defaultPort: 4321, args: (p) => ['--host', '0.0.0.0', '--port', String(p)] },
  {
    stack: 'cra',
    dependency: 'react-scripts',
    binary: calls('react-scripts'),
    defaultPort: 3000,
    args: () => [],
    // CRA reads these; WDS_SOCKET_PORT=0 makes its live-reload socket use the page's own port.
    env: (p) => ({ PORT: String(p), HOST: '0.0.0.0', BROWSER: 'none', WDS_SOCKET_PORT: '0' }),
  },
  { stack: 'vite', dependency: 'vite', binary: calls('vite'), defaultPort: 5173, args: (p) => ['--host', '0.0.0.0', '--port', String(p), '--strictPort'] },
];

/** Which package manager the lockfile (or the `packageManager` field) implies. */
export function packageManagerOf(info: FolderInfo): PackageManager {
  const declared = /^(npm|pnpm|yarn|bun)@/.exec(info.pkg?.packageManager ?? '')?.[1] as PackageManager | undefined;
  if (declared) {
    return declared;
  }
  if (info.files.has('pnpm-lock.yaml')) {
    return 'pnpm';
  }
  if (info.files.has('yarn.lock')) {
    return 'yarn';
  }
  if (info.files.has('bun.lockb') || info.files.has('bun.lock')) {
    return 'bun';
  }
  return 'npm';
}

/** argv to run a package.json script with extra arguments, per package manager. */
function runScript(pm: PackageManager, script: string, args: readonly string[]): string[] {
  switch (pm) {
    case 'npm':
      return ['npm', 'run', script, ...(args.length > 0 ? ['--', ...args] : [])];
    case 'pnpm':
      return ['corepack', 'pnpm', 'run', script, ...args];
    case 'yarn':
      return ['corepack', 'yarn', 'run', script, ...args];
    case 'bun':
      return ['bun', 'run', script, ...args];
  }
}

/** The install command per package manager: constant text, never built from user input. */
export const INSTALL_COMMANDS: Readonly<Record<PackageManager, string>> = {
  npm: 'npm install --no-audit --no-fund',
  pnpm: 'corepack pnpm install',
  yarn: 'corepack yarn install',
  bun: 'bun install',
};

/** Marks a completed install inside the cache volume; a newer package.json makes it stale. */
export const INSTALL_STAMP = 'node_modules/.preview-containers-installed';

/**
 * Wraps `run` so dependencies are installed first when the cache volume has none (or package.json
 * changed since). The shell only sees constant text; the command itself is passed as "$@".
 */
export function withInstall(pm: PackageManager, run: readonly string[]): string[] {
  const script = `if [ ! -e ${INSTALL_STAMP} ] || [ package.json -nt ${INSTALL_STAMP} ]; then ${INSTALL_COMMANDS[pm]} && touch ${INSTALL_STAMP} || exit 1; fi; exec "$@"`;
  return ['sh', '-c', script, 'sh', ...run];
}

/**
 * Infers how to start an app: the stack from its dependencies, the dev server flags that make it
 * listen on 0.0.0.0 at a known port, the package manager from the lockfile. `fallbackPort` is the
 * configured container port, used for plain Node apps (which read PORT).
 */
export function planLaunch(info: FolderInfo, options: { readonly fallbackPort: number; readonly image: string; readonly portOverride?: number }): LaunchPlan {
  const pkg = info.pkg;
  const notes: string[] = [];
  let pm = packageManagerOf(info);
  if (pm === 'bun' && !/bun/i.test(options.image)) {
    notes.push('The lockfile says bun, but the image does not look like it has bun: using npm.');
    pm = 'npm';
  }
  const scriptName = pkg?.scripts.dev !== undefined ? 'dev' : pkg?.scripts.start !== undefined ? 'start' : undefined;
  const scriptText = scriptName ? (pkg?.scripts[scriptName] ?? '') : '';
  const rule = RULES.find((r) => pkg?.dependencies[r.dependency] !== undefined);
  const installDependencies = pkg?.hasDependencies ?? false;

  let stack: Stack = 'node';
  let containerPort = options.portOverride ?? options.fallbackPort;
  let run: string[];
  let env: Record<string, string> = {};
  if (rule && scriptName && rule.binary.test(scriptText)) {
    stack = rule.stack;
    containerPort = options.portOverride ?? rule.defaultPort;
    run = runScript(pm, scriptName, rule.args(containerPort));
    env = rule.env?.(containerPort) ?? {};
  } else if (scriptName) {
    if (rule) {
      notes.push(`The "${scriptName}" script does not call ${rule.stack}'s dev server directly; it must listen on 0.0.0.0:$PORT itself.`);
    }
    run = runScript(pm, scriptName, []);
  } else {
    run = ['node', pkg?.main ?? 'index.js'];
  }
  return {
    stack,
    packageManager: pm,
    containerPort,
    command: installDependencies ? withInstall(pm, run) : run,
    env,
    installDependencies,
    notes,
  };
}
