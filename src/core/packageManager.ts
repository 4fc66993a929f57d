/**
 * Which package manager an app uses, and how to run it without corepack.
 *
 * corepack cannot be relied on: it refuses to download pnpm/yarn from registry mirrors whose
 * metadata carries no signatures it knows ("No compatible signature found"), and Node stopped
 * bundling it from version 25 on. Every package manager is an ordinary npm package, so we install
 * it with the image's own npm (into the shared package cache, once per version) and run its bin.
 */

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface PackageManagerChoice {
  readonly name: PackageManagerName;
  /** yarn only: 1.x ("classic") or 2+ ("berry"), which differ in flags and cache settings. */
  readonly yarnFlavor?: 'classic' | 'berry';
  /**
   * The npm package (with version) whose bin is the package manager, e.g. `pnpm@10`,
   * `@yarnpkg/cli-dist@4.5.1`, `bun@1`; undefined for npm (the image's own).
   */
  readonly packageSpec: string | undefined;
  /** The lockfile an install must keep unchanged (a frozen install), if the app has one. */
  readonly lockfile: string | undefined;
  /** Why this one, for the log. */
  readonly reason: string;
}

/** The first bytes of the files that tell a package manager's version. */
export interface PackageManagerEvidence {
  /** The `packageManager` field of package.json (corepack's), e.g. `pnpm@9.12.0+sha512.…`. */
  readonly packageManagerField: string | undefined;
  /** File names at the top of the app folder. */
  readonly files: ReadonlySet<string>;
  /** The beginning of `pnpm-lock.yaml` / `yarn.lock`, when read. */
  readonly heads: Readonly<Record<string, string>>;
}

/** Files whose beginning `inspectFolder` reads for the choice (small, and only their head). */
export const VERSION_EVIDENCE_FILES = ['pnpm-lock.yaml', 'yarn.lock'] as const;

// Exact versions as corepack writes them (`9.12.0`, `4.0.0-rc.1`); the `+sha…` hash is corepack's
// own check and is dropped (npm verifies the tarball's integrity itself).
const FIELD = /^(npm|pnpm|yarn|bun)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\+.*)?$/;

/** The `lockfileVersion` of pnpm-lock.yaml → the newest pnpm that writes it and runs on Node 20. */
function pnpmForLockfile(head: string | undefined): { spec: string; why: string } {
  const match = /^lockfileVersion:\s*['"]?(\d+)(?:\.(\d+))?/m.exec(head ?? '');
  const major = Number(match?.[1] ?? Number.NaN);
  const minor = Number(match?.[2] ?? 0);
  const version = match ? `${major}.${minor}` : 'unknown';
  // 9.0: pnpm 9 and 10 (11 needs Node 22); 6.x: pnpm 8; 5.4: pnpm 7; 5.3 and older: pnpm 6.
  const pnpm = !match || major >= 9 ? 10 : major >= 6 ? 8 : major === 5 && minor >= 4 ? 7 : 6;
  return { spec: `pnpm@${pnpm}`, why: `pnpm-lock.yaml lockfileVersion ${version}` };
}

/** yarn.lock's header: `# yarn lockfile v1` is classic; berry writes `__metadata: version: N`. */
function yarnForLockfile(head: string | undefined, files: ReadonlySet<string>): { flavor: 'classic' | 'berry'; spec: string; why: string } {
  const berryVersion = /^__metadata:\s*\n\s+version:\s*(\d+)/m.exec(head ?? '');
  if (berryVersion) {
    // Lockfile v4 is yarn 2, v5–6 yarn 3, v8 yarn 4. A checked-in `yarnPath` release is honoured by
    // whichever berry runs, so the major only has to be close.
    const v = Number(berryVersion[1]);
    return { flavor: 'berry', spec: `@yarnpkg/cli-dist@${v <= 4 ? 2 : v <= 6 ? 3 : 4}`, why: `yarn.lock metadata version ${v}` };
  }
  if (/yarn lockfile v1/.test(head ?? '')) {
    return { flavor: 'classic', spec: 'yarn@1', why: 'yarn.lock v1' };
  }
  // No readable header: a `.yarnrc.yml` is berry's, anything else classic's.
  return files.has('.yarnrc.yml')
    ? { flavor: 'berry', spec: '@yarnpkg/cli-dist@4', why: '.yarnrc.yml' }
    : { flavor: 'classic', spec: 'yarn@1', why: 'yarn.lock' };
}

function lockfileOf(name: PackageManagerName, files: ReadonlySet<string>): string | undefined {
  const candidates: Record<PackageManagerName, readonly string[]> = {
    npm: ['npm-shrinkwrap.json', 'package-lock.json'],
    pnpm: ['pnpm-lock.yaml'],
    yarn: ['yarn.lock'],
    bun: ['bun.lock', 'bun.lockb'],
  };
  return candidates[name].find((file) => files.has(file));
}

/**
 * The `packageManager` field wins (as it does for corepack); then the lockfile, whose format
 * also tells the version; then npm.
 */
export function choosePackageManager(evidence: PackageManagerEvidence): PackageManagerChoice {
  const { files, heads } = evidence;
  const field = FIELD.exec(evidence.packageManagerField?.trim() ?? '');
  if (field) {
    const name = field[1] as PackageManagerName;
    const version = field[2] ?? '';
    const lockfile = lockfileOf(name, files);
    const reason = `packageManager ${name}@${version}`;
    switch (name) {
      case 'npm':
        // The image's npm: installing another npm over it buys nothing for a dev server.
        return { name, packageSpec: undefined, lockfile, reason: `${reason} (the image's npm is used)` };
      case 'yarn':
        return version.startsWith('1.')
          ? { name, yarnFlavor: 'classic', packageSpec: `yarn@${version}`, lockfile, reason }
          : { name, yarnFlavor: 'berry', packageSpec: `@yarnpkg/cli-dist@${version}`, lockfile, reason };
      default:
        return { name, packageSpec: `${name}@${version}`, lockfile, reason };
    }
  }
  const ignored = evidence.packageManagerField ? ` (packageManager "${evidence.packageManagerField}" not understood)` : '';
  if (files.has('pnpm-lock.yaml')) {
    const { spec, why } = pnpmForLockfile(heads['pnpm-lock.yaml']);
    return { name: 'pnpm', packageSpec: spec, lockfile: 'pnpm-lock.yaml', reason: why + ignored };
  }
  if (files.has('yarn.lock') || files.has('.yarnrc.yml')) {
    const { flavor, spec, why } = yarnForLockfile(heads['yarn.lock'], files);
    return { name: 'yarn', yarnFlavor: flavor, packageSpec: spec, lockfile: lockfileOf('yarn', files), reason: why + ignored };
  }
  const bunLock = lockfileOf('bun', files);
  if (bunLock) {
    return { name: 'bun', packageSpec: 'bun@1', lockfile: bunLock, reason: bunLock + ignored };
  }
  const npmLock = lockfileOf('npm', files);
  if (!npmLock && files.has('pnpm-workspace.yaml')) {
    // A pnpm workspace that has not written its lockfile yet is still pnpm's.
    return { name: 'pnpm', packageSpec: 'pnpm@10', lockfile: undefined, reason: 'pnpm-workspace.yaml' + ignored };
  }
  return { name: 'npm', packageSpec: undefined, lockfile: npmLock, reason: (npmLock ?? 'no lockfile') + ignored };
}

/** Where the shared package cache volume is mounted in every app container. */
export const PACKAGE_CACHE_DIR = '/var/cache/preview-pkg';

/** The environment variable that carries `packageSpec` into the install script (never its text). */
export const PM_SPEC_ENV = 'PREVIEW_CONTAINERS_PM';

/** Caches of each package manager inside the shared volume (the pnpm store is a flag: see below). */
export function packageCacheEnv(choice: PackageManagerChoice): Record<string, string> {
  const env: Record<string, string> = { npm_config_cache: `${PACKAGE_CACHE_DIR}/npm` };
  if (choice.packageSpec !== undefined) {
    env[PM_SPEC_ENV] = choice.packageSpec;
  }
  if (choice.name === 'yarn' && choice.yarnFlavor === 'classic') {
    env.YARN_CACHE_FOLDER = `${PACKAGE_CACHE_DIR}/yarn`;
  }
  if (choice.name === 'yarn' && choice.yarnFlavor === 'berry') {
    // Berry's global cache (its default since 4) goes to the volume; a project that keeps its
    // cache in the repository (enableGlobalCache: false) keeps doing so.
    env.YARN_GLOBAL_FOLDER = `${PACKAGE_CACHE_DIR}/yarn-berry`;
    env.YARN_ENABLE_TELEMETRY = '0';
  }
  if (choice.name === 'bun') {
    env.BUN_INSTALL_CACHE_DIR = `${PACKAGE_CACHE_DIR}/bun`;
  }
  return env;
}

/** The install command: constant text per manager and frozen-ness, never built from user input. */
export function installCommand(choice: PackageManagerChoice): string {
  const frozen = choice.lockfile !== undefined;
  switch (choice.name) {
    case 'npm':
      // --prefer-offline: metadata already in the shared cache is not fetched again.
      return frozen ? 'npm ci --prefer-offline --no-audit --no-fund' : 'npm install --prefer-offline --no-audit --no-fund';
    case 'pnpm':
      // The store in the shared volume; pnpm copies across volumes where it cannot hard-link.
      // Without a TTY pnpm would abort instead of asking to purge a node_modules it did not write.
      return `pnpm install${frozen ? ' --frozen-lockfile' : ''} --prefer-offline --store-dir ${PACKAGE_CACHE_DIR}/pnpm-store --config.confirmModulesPurge=false`;
    case 'yarn':
      return choice.yarnFlavor === 'berry'
        ? `yarn install${frozen ? ' --immutable' : ''}`
        : `yarn install${frozen ? ' --frozen-lockfile' : ''} --prefer-offline --non-interactive`;
    case 'bun':
      return `bun install${frozen ? ' --frozen-lockfile' : ''}`;
  }
}

/** argv to run a package.json script with extra arguments. */
export function runScriptArgv(name: PackageManagerName, script: string, args: readonly string[]): string[] {
  // npm needs `--` before arguments meant for the script; the others pass them on as they are.
  return name === 'npm' ? ['npm', 'run', script, ...(args.length > 0 ? ['--', ...args] : [])] : [name, 'run', script, ...args];
}
