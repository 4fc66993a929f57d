import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { DEFAULT_PACKAGE_CACHE_VOLUME } from '../../src/core/settings';
import { cacheRoot, REPO_ROOT } from './prerequisites';
import { isAlive, liveChildren, recordPid } from './processGroup';
import { delay } from './timing';

/**
 * The tests' own Docker daemon: never the user's. Everything it keeps (data-root, exec-root,
 * socket, pidfile, log) lives under the cache folder, one daemon per checkout; it has a bridge and
 * a subnet of its own, so two checkouts' daemons (or a user's docker0) never share addresses.
 * `DOCKER_HOST` points at it in this process only, and so in what the tests start (code-server,
 * worker processes). It is stopped by the pid in its pidfile, and its containers and volumes are
 * removed by id before that.
 */

export const DOCKER_TEST_IMAGE = process.env.PREVIEW_TEST_IMAGE ?? 'localhost/preview-node:test';
/** The Dockerfile fixtures' base image (scripts/build-python-image.sh), in both engines (loaded here when podman has it). */
export const DOCKER_PYTHON_IMAGE = process.env.PREVIEW_PYTHON_IMAGE ?? 'localhost/preview-python:test';
/** Unix socket paths are limited to 108 bytes; containerd's sockets sit deepest in the exec-root. */
const MAX_SOCKET_PATH = 100;
const LONGEST_SOCKET = path.join('containerd', 'containerd.sock.ttrpc');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface DockerdLayout {
  /** Where the daemon keeps its state (images stay here between runs). */
  readonly dir: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socket: string;
  readonly pidfile: string;
  readonly configFile: string;
  readonly logFile: string;
  /** Our own bridge (≤ 15 characters) and its address. */
  readonly bridge: string;
  readonly containerdNamespace: string;
}

/** Folders of all test daemons on this machine (one per checkout). */
function daemonsRoot(): string {
  return path.join(cacheRoot(), 'dockerd');
}

export function dockerdLayout(): DockerdLayout {
  const id = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 8);
  const dir = path.join(daemonsRoot(), id);
  // A long cache path would make containerd's sockets too long: then the exec-root goes to /tmp.
  const runDir = path.join(dir, LONGEST_SOCKET).length + 2 <= MAX_SOCKET_PATH ? dir : path.join(os.tmpdir(), `pcd-${id}`);
  return {
    dir,
    dataRoot: path.join(dir, 'data'),
    execRoot: path.join(runDir, 'x'),
    socket: path.join(runDir, 'docker.sock'),
    pidfile: path.join(dir, 'docker.pid'),
    configFile: path.join(dir, 'daemon.json'),
    logFile: path.join(dir, 'dockerd.log'),
    bridge: `pcd-${id}`,
    containerdNamespace: `pc-${id}`,
  };
}

/** The address of our bridge: 10.213.N.1/24, N from the checkout, moved on while the host uses it. */
function bridgeAddress(layout: DockerdLayout): string {
  const used = new Set(
    Object.values(os.networkInterfaces())
      .flatMap((list) => list ?? [])
      .map((a) => a.address),
  );
  const start = Number.parseInt(layout.bridge.slice(-2), 16);
  for (let i = 0; i < 256; i++) {
    const n = (start + i) % 254 + 1;
    if (![...used].some((address) => address.startsWith(`10.213.${n}.`))) {
      return `10.213.${n}.1/24`;
    }
  }
  throw new Error('no free 10.213.N.0/24 subnet for the test bridge');
}

/** `--data-root` of a running dockerd, from its command line (`/var/lib/docker` when not given). */
function dataRootOf(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--data-root' || arg === '-g') {
      return argv[i + 1] ?? '';
    }
    if (arg.startsWith('--data-root=')) {
      return arg.slice('--data-root='.length);
    }
  }
  return '/var/lib/docker';
}

async function commandLine(pid: number): Promise<string[]> {
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((part) => part !== '');
  } catch {
    return [];
  }
}

/** Whether a dockerd manages iptables (unless told `--iptables=false`; a daemon.json may also say so, which we cannot see). */
function managesIptables(argv: readonly string[]): boolean {
  return !argv.some((arg, i) => arg === '--iptables=false' || (arg === '--iptables' && argv[i + 1] === 'false'));
}

/** Docker daemons on this machine that are not test daemons of ours (a user's Docker, say). */
async function foreignDaemons(): Promise<{ pid: number; dataRoot: string; iptables: boolean }[]> {
  const found: { pid: number; dataRoot: string; iptables: boolean }[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    const argv = await commandLine(Number(name));
    if (path.basename(argv[0] ?? '') !== 'dockerd') {
      continue;
    }
    const dataRoot = dataRootOf(argv);
    if (!dataRoot.startsWith(daemonsRoot() + path.sep)) {
      found.push({ pid: Number(name), dataRoot, iptables: managesIptables(argv) });
    }
  }
  return found;
}

/** The pid in our pidfile, if a dockerd with our data-root runs under it (a pid can be reused). */
async function ourDaemonPid(layout: DockerdLayout): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(layout.pidfile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !(await isAlive(pid))) {
    return undefined;
  }
  const argv = await commandLine(pid);
  return path.basename(argv[0] ?? '') === 'dockerd' && dataRootOf(argv) === layout.dataRoot ? pid : undefined;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) {
      return false;
    }
    await delay(100);
  }
  return true;
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
async function stopPid(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  if (!(await waitForExit(pid, timeoutMs))) {
    process.kill(pid, 'SIGKILL');
    if (!(await waitForExit(pid, 5000))) {
      throw new Error(`dockerd ${pid} survived SIGKILL`);
    }
  }
}

function logTail(layout: DockerdLayout, lines = 15): string {
  try {
    return readFileSync(layout.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function ip(args: readonly string[]): Promise<void> {
  await execa('ip', [...args], { stdin: 'ignore' });
}

async function bridgeExists(bridge: string): Promise<boolean> {
  return (await execa('ip', ['link', 'show', 'dev', bridge], { reject: false, stdin: 'ignore' })).exitCode === 0;
}

/** `a | b` without a shell (the image is 120 MB: nothing is buffered). */
async function pipeCommands(from: readonly string[], to: readonly string[]): Promise<void> {
  const run = (argv: readonly string[], stdin: 'ignore' | 'pipe'): { child: ChildProcess; done: Promise<string> } => {
    const child = spawn(argv[0] ?? '', argv.slice(1), { stdio: [stdin, 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const done = new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`${argv.join(' ')} failed (${code ?? 'signal'}): ${stderr.trim()}`))));
    });
    return { child, done };
  };
  const source = run(from, 'ignore');
  const sink = run(to, 'pipe');
  if (source.child.stdout && sink.child.stdin) {
    source.child.stdout.pipe(sink.child.stdin);
  }
  sink.child.stdout?.resume();
  await Promise.all([source.done, sink.done]);
}

/** A Docker daemon of the tests' own, started by `TestDockerd.start`. */
export class TestDockerd {
  private exited = false;

  private constructor(
    readonly layout: DockerdLayout,
    private readonly child: ChildProcess,
    /** The pid its pidfile names (the process we started). */
    readonly pid: number,
    /** False when it runs without iptables (beside a foreign daemon): its containers have no way out. */
    readonly outboundNetwork: boolean,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  get host(): string {
    return `unix://${this.layout.socket}`;
  }

  /** The docker CLI against this daemon only (never DOCKER_HOST or a context of the user's). */
  docker(args: readonly string[], options: { input?: string } = {}) {
    return execa('docker', ['--host', this.host, ...args], { reject: false, stdin: options.input === undefined ? 'ignore' : 'pipe', ...(options.input === undefined ? {} : { input: options.input }) });
  }

  static async start(): Promise<TestDockerd> {
    if (process.getuid?.() !== 0) {
      throw new Error('dockerd needs root here (rootless Docker is not set up by npm run setup)');
    }
    for (const binary of ['dockerd', 'docker']) {
      if ((await execa(binary, ['--version'], { reject: false, stdin: 'ignore' })).exitCode !== 0) {
        throw new Error(`${binary} is missing: run \`npm run setup\` (it installs docker.io)`);
      }
    }
    const layout = dockerdLayout();
    const stale = await ourDaemonPid(layout);
    if (stale !== undefined) {
      // Left by a run that was killed before its teardown: ours (our pidfile and data-root).
      console.warn(`[dockerd] stopping the test dockerd ${stale} an earlier run left running`);
      await stopPid(stale, STOP_TIMEOUT_MS);
    }
    // Starting dockerd with iptables re-creates the DOCKER chains every such daemon shares: beside a
    // user's Docker that uses them, ours touches no iptables at all (published ports still work,
    // through docker-proxy; its containers cannot reach the network then).
    const foreign = (await foreignDaemons()).filter((daemon) => daemon.iptables);
    const iptables = foreign.length === 0;
    if (!iptables) {
      console.warn(`[dockerd] another Docker daemon runs here (${foreign.map((d) => `pid ${d.pid}, ${d.dataRoot}`).join('; ')}): the test dockerd runs without iptables, so its containers cannot reach the network`);
    }
    for (const dir of [layout.dataRoot, layout.execRoot]) {
      await fs.mkdir(dir, { recursive: true });
    }
    await fs.rm(layout.socket, { force: true });
    await fs.rm(layout.pidfile, { force: true });
    // An empty configuration: a user's /etc/docker/daemon.json (hosts, mirrors, bridge) does not apply.
    await fs.writeFile(layout.configFile, '{}\n');
    if (await bridgeExists(layout.bridge)) {
      await ip(['link', 'delete', 'dev', layout.bridge]); // ours, left by a killed run
    }
    await ip(['link', 'add', 'name', layout.bridge, 'type', 'bridge']);
    await ip(['address', 'add', bridgeAddress(layout), 'dev', layout.bridge]);
    await ip(['link', 'set', 'dev', layout.bridge, 'up']);

    const args = [
      '--config-file', layout.configFile,
      '--data-root', layout.dataRoot,
      '--exec-root', layout.execRoot,
      '--host', `unix://${layout.socket}`,
      '--pidfile', layout.pidfile,
      '--bridge', layout.bridge,
      '--containerd-namespace', layout.containerdNamespace,
      '--containerd-plugins-namespace', `${layout.containerdNamespace}-plugins`,
      ...(iptables ? [] : ['--iptables=false']),
    ];
    const log = openSync(layout.logFile, 'w');
    let child: ChildProcess;
    try {
      // Not detached: Ctrl-C in the terminal reaches it too, and it shuts down cleanly.
      child = spawn('dockerd', args, { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    recordPid('dockerd', child.pid ?? -1);
    const daemon = new TestDockerd(layout, child, child.pid ?? -1, iptables);
    try {
      await daemon.waitUntilAnswering();
      const pid = await ourDaemonPid(layout);
      assert.equal(pid, child.pid, `the pidfile ${layout.pidfile} names the dockerd we started`);
      await daemon.removeLeftovers();
      await daemon.loadTestImage();
      return daemon;
    } catch (error) {
      await daemon.stop().catch(() => undefined);
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- ${layout.logFile} (last lines) ---\n${logTail(layout)}`, { cause: error });
    }
  }

  private async waitUntilAnswering(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.exited) {
        throw new Error(`dockerd exited (${this.child.exitCode ?? this.child.signalCode ?? '?'}) before it answered`);
      }
      // `version` exits non-zero until the daemon answers (`info` does not, with docker 20.10's client).
      if ((await this.docker(['version', '--format', '{{.Server.Version}}'])).exitCode === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`dockerd did not answer on ${this.host} within ${START_TIMEOUT_MS / 1000} s`);
      }
      await delay(100);
    }
  }

  /** Ids (and names) of every container of this daemon, running or not: all of them are the tests'. */
  async containers(): Promise<{ id: string; name: string }[]> {
    const result = await this.docker(['ps', '--all', '--no-trunc', '--format', '{{.ID}} {{.Names}}']);
    if (result.exitCode !== 0) {
      throw new Error(`docker ps failed: ${result.stderr}`);
    }
    return result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [id = '', name = ''] = line.split(' ');
        return { id, name };
      });
  }

  async volumes(): Promise<string[]> {
    const result = await this.docker(['volume', 'ls', '--quiet']);
    if (result.exitCode !== 0) {
      throw new Error(`docker volume ls failed: ${result.stderr}`);
    }
    return result.stdout.split('\n').filter((name) => name.trim() !== '');
  }

  /**
   * Removes every container (by id) and volume of this daemon; returns what there was, except the
   * shared package cache volume: the extension keeps it on purpose (one cache for every app, never
   * removed by it), so tests that run apps with the default settings rightly leave it.
   */
  async removeLeftovers(): Promise<string[]> {
    const containers = await this.containers();
    if (containers.length > 0) {
      await this.docker(['rm', '--force', '--volumes', ...containers.map((c) => c.id)]);
    }
    const volumes = await this.volumes();
    if (volumes.length > 0) {
      await this.docker(['volume', 'rm', '--force', ...volumes]);
    }
    const left = volumes.filter((v) => v !== DEFAULT_PACKAGE_CACHE_VOLUME);
    return [...containers.map((c) => `container ${c.name} (${c.id.slice(0, 12)})`), ...left.map((v) => `volume ${v}`)];
  }

  /**
   * `podman save | docker load` of the local test images when missing here or older than
   * podman's (their `preview.stamp` label, else the image id): the Node test image (required)
   * and the Python base image of the Dockerfile fixtures (when podman has it; its tests say so).
   */
  private async loadTestImage(): Promise<void> {
    await this.loadFromPodman(DOCKER_TEST_IMAGE, true);
    await this.loadFromPodman(DOCKER_PYTHON_IMAGE, false);
  }

  private async loadFromPodman(image: string, required: boolean): Promise<void> {
    const stampFormat = '{{ index .Config.Labels "preview.stamp" }}|{{ .Id }}';
    const podmanStamp = await execa('podman', ['image', 'inspect', '--format', stampFormat, image], { reject: false, stdin: 'ignore' });
    if (podmanStamp.exitCode !== 0) {
      if (required) {
        throw new Error(`the test image ${image} is missing in podman (run: npm run setup)`);
      }
      return;
    }
    const stamp = (text: string): string => text.trim().split('|').find((part) => part !== '' && part !== '<no value>') ?? '';
    const dockerStamp = await this.docker(['image', 'inspect', '--format', stampFormat, image]);
    if (dockerStamp.exitCode === 0 && stamp(dockerStamp.stdout).replace(/^sha256:/, '') === stamp(podmanStamp.stdout).replace(/^sha256:/, '')) {
      return;
    }
    await pipeCommands(['podman', 'save', image], ['docker', '--host', this.host, 'load']);
    // The image it replaced (an older stamp) has no tag left.
    await this.docker(['image', 'prune', '--force']);
    console.log(`      [dockerd] loaded ${image} (${stamp(podmanStamp.stdout)}) from podman`);
  }

  /**
   * Stops the daemon by the pid in its pidfile and waits for it (and its containerd) to exit, then
   * removes its bridge. Idempotent.
   */
  async stop(): Promise<void> {
    const pid = (await ourDaemonPid(this.layout)) ?? (this.exited ? undefined : this.pid);
    if (pid !== undefined && pid > 0) {
      const containerd: number[] = [];
      for (const child of await liveChildren(pid)) {
        if (path.basename((await commandLine(child))[0] ?? '') === 'containerd') {
          containerd.push(child);
        }
      }
      await stopPid(pid, STOP_TIMEOUT_MS);
      // dockerd stops the containerd it started; make sure, by pid.
      for (const child of containerd) {
        await stopPid(child, 10_000);
      }
    }
    if (await bridgeExists(this.layout.bridge)) {
      await ip(['link', 'delete', 'dev', this.layout.bridge]);
    }
  }
}

/*
 * The daemon of one mocha run, started by the global fixture (dockerdFixture.ts) and asked for by
 * the Docker variants of the tests.
 */
let current: { readonly daemon: TestDockerd } | { readonly reason: string } | undefined;
const stopOnExit = (): void => {
  if (current && 'daemon' in current) {
    try {
      process.kill(current.daemon.pid, 'SIGTERM'); // last resort (the teardown did not run); it shuts down by itself
    } catch {
      // Already gone.
    }
  }
};

/**
 * Starts the test dockerd and points DOCKER_HOST at it for this process and what it starts. When
 * it cannot start, the reason is kept for `requireTestDockerd`; DOCKER_HOST still points at our
 * (absent) socket, so no test can reach a user's Docker.
 */
export async function startTestDockerd(): Promise<void> {
  const started = Date.now();
  process.env.DOCKER_HOST = `unix://${dockerdLayout().socket}`;
  delete process.env.DOCKER_CONTEXT;
  try {
    const daemon = await TestDockerd.start();
    current = { daemon };
    process.on('exit', stopOnExit);
    console.log(`      [dockerd] test dockerd ${daemon.pid} answers on ${daemon.host} (${Date.now() - started} ms)`);
  } catch (error) {
    current = { reason: error instanceof Error ? error.message : String(error) };
    console.warn(`      [dockerd] no test dockerd: ${current.reason}`);
  }
}

/** Removes what the tests left in the daemon (by id); fails naming it when there was anything. */
export async function failOnTestDockerdLeftovers(): Promise<void> {
  if (!current || !('daemon' in current)) {
    return;
  }
  const leftovers = await current.daemon.removeLeftovers();
  if (leftovers.length > 0) {
    throw new Error(`the tests left ${leftovers.length} thing(s) in the test dockerd (removed now): ${leftovers.join(', ')}`);
  }
}

/**
 * Stops the daemon by pid. What the tests left is the leftover check's business
 * (failOnTestDockerdLeftovers, run before this); the next start removes anything still in it.
 */
export async function stopTestDockerd(): Promise<void> {
  const was = current;
  current = undefined;
  if (!was || !('daemon' in was)) {
    return;
  }
  const started = Date.now();
  try {
    await was.daemon.stop();
  } finally {
    process.off('exit', stopOnExit);
  }
  console.log(`      [dockerd] test dockerd ${was.daemon.pid} stopped (${Date.now() - started} ms)`);
}

/**
 * The running test dockerd. Without one a test fails when CI is set (it must never pass by
 * skipping) and is skipped with the reason on a developer machine.
 */
export function requireTestDockerd(context: Mocha.Context, needs: { readonly network?: boolean } = {}): TestDockerd {
  if (current && 'daemon' in current && (!needs.network || current.daemon.outboundNetwork)) {
    return current.daemon;
  }
  const reason =
    current && 'daemon' in current
      ? 'this test needs the network from inside containers, and the test dockerd runs without iptables beside another Docker daemon'
      : (current?.reason ?? "the test dockerd was not started (is test/harness/dockerdFixture.js required in this layer's .mocharc?)");
  const message = `No test Docker daemon: ${reason}. Run: npm run setup`;
  if (process.env.CI) {
    assert.fail(message);
  }
  console.warn(`SKIPPED: ${message}`);
  context.skip();
}
