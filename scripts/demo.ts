import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliEngine } from '../src/core/engine/cliEngine';
import { execaExec, execaStream } from '../src/core/engine/exec';
import { LABEL_APP } from '../src/core/engine/labels';
import { silentLogger } from '../src/core/logger';
import { CodeServer } from '../test/harness/codeServer';
import { containersUnder } from '../test/harness/containers';
import { findFreePort, isPortFree } from '../test/harness/freePort';
import { PACKAGED_VSIX, REPO_ROOT } from '../test/harness/prerequisites';
import { DEMO_APPS, LOCAL_TEST_IMAGE, writeDemoWorkspace } from './demoWorkspace';

/**
 * `npm run demo`: checks the container engine, packages the extension, installs code-server when
 * needed, writes a sample workspace under .demo/ and serves it in code-server (127.0.0.1) with the
 * packaged extension installed. Ctrl-C stops code-server by PID, then the demo apps' containers.
 * Fails loudly instead of half-working.
 */

const DEMO_DIR = path.join(REPO_ROOT, '.demo');
const WORKSPACE = path.join(DEMO_DIR, 'workspace');
const PREFERRED_PORT = 8080;

const say = (message: string): void => console.log(`[demo] ${message}`);

class DemoError extends Error {}

function run(command: string, args: readonly string[], timeoutMs: number): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, cwd: REPO_ROOT });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error.message) : ''}`;
  return { ok: result.status === 0, output: output.trim() };
}

/** The line of a failed command's output that says why (engines print a lot of context first). */
function why(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.find((line) => /error|cannot|not found|denied|ENOENT/i.test(line)) ?? lines.at(-1) ?? '(no output)';
}

const PODMAN_CONF = `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"`;

/** The engine the extension will find (podman first, as `previewContainers.engine: auto` does). */
function checkEngine(): { engine: 'podman' | 'docker'; localImage: boolean } {
  const podman = run('podman', ['info'], 30_000);
  if (podman.ok) {
    const localImage = run('podman', ['image', 'exists', LOCAL_TEST_IMAGE], 30_000).ok;
    if (localImage) {
      // `info` answers even where containers cannot start (crun on hybrid cgroups, ulimits): try one.
      const trial = run('podman', ['run', '--rm', '--network', 'none', LOCAL_TEST_IMAGE, 'node', '-e', 'process.exit(0)'], 120_000);
      if (!trial.ok) {
        throw new DemoError(
          [
            `podman answers but cannot run a container:\n  ${trial.output.split('\n').slice(-3).join('\n  ')}`,
            'Fix: run `npm run setup` (it writes /etc/containers/containers.conf when this is the known crun/ulimit problem),',
            `or put this in /etc/containers/containers.conf (or a file named by CONTAINERS_CONF):\n${PODMAN_CONF}`,
          ].join('\n'),
        );
      }
    }
    return { engine: 'podman', localImage };
  }
  const docker = run('docker', ['info'], 30_000);
  if (docker.ok) {
    return { engine: 'docker', localImage: run('docker', ['image', 'inspect', LOCAL_TEST_IMAGE], 30_000).ok };
  }
  throw new DemoError(
    [
      'No container engine answers (`podman info` and `docker info` both failed):',
      `  podman: ${why(podman.output)}`,
      `  docker: ${why(docker.output)}`,
      'Install and configure podman, then try again:',
      '  sudo apt-get install -y podman runc',
      '  npm run setup      # configures podman for this machine and builds the local test image',
      '(or start a Docker engine the `docker` command can reach).',
    ].join('\n'),
  );
}

function step(title: string, command: string, args: readonly string[]): string {
  say(title);
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(result.stdout ?? '');
  if (result.status !== 0) {
    throw new DemoError(`${title} failed (${command} ${args.join(' ')} exited with ${result.status ?? result.signal ?? '?'})`);
  }
  return result.stdout ?? '';
}

async function choosePort(): Promise<number> {
  const requested = process.env['DEMO_PORT'];
  if (requested !== undefined) {
    const port = Number(requested);
    if (!Number.isInteger(port) || port < 1 || port > 65535 || !(await isPortFree(port))) {
      throw new DemoError(`DEMO_PORT=${requested} is not a free port on 127.0.0.1.`);
    }
    return port;
  }
  // A stable port keeps the browser origin, and with it the workbench state the browser stores.
  return (await isPortFree(PREFERRED_PORT)) ? PREFERRED_PORT : findFreePort();
}

/**
 * Stops (does not remove) the demo workspace's app containers that still run: the extension leaves
 * them running when its window closes (its idle timeout stops them later), which a demo should not.
 * Stopped, they keep their sticky ports for the next `npm run demo`. Returns the apps stopped.
 */
async function stopDemoApps(engine: 'podman' | 'docker'): Promise<string[]> {
  const cli = new CliEngine({ kind: engine, binary: engine, exec: execaExec, stream: execaStream, logger: silentLogger });
  const running = (await containersUnder(cli, WORKSPACE)).filter((c) => c.running);
  await Promise.all(running.map((c) => cli.stop(c.id)));
  return running.map((c) => c.labels[LABEL_APP] ?? c.name);
}

async function main(): Promise<void> {
  // Handlers first: code-server runs in its own process group, so only we can stop it.
  const state: { server?: CodeServer; stopping?: string; engine?: 'podman' | 'docker' } = {};
  const stop = (reason: string): void => {
    if (state.stopping !== undefined) {
      return; // Ctrl-C reaches us both from the terminal and forwarded by npm
    }
    state.stopping = reason;
    const { server } = state;
    if (server === undefined) {
      return; // not started yet: main() sees `stopping` after its current step
    }
    say(`${reason}: stopping code-server (pid ${server.pid})`);
    server.stop().then(
      async () => {
        const apps = state.engine === undefined ? [] : await stopDemoApps(state.engine).catch((error: unknown) => {
          console.error(`[demo] could not stop the demo apps' containers: ${String(error)}`);
          return [];
        });
        say(apps.length > 0 ? `stopped (and the demo apps' containers: ${apps.join(', ')})` : 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`[demo] could not stop code-server: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => stop(signal));
  }
  const checkpoint = (): void => {
    if (state.stopping !== undefined) {
      throw new DemoError(`${state.stopping}: stopped before code-server started`);
    }
  };

  say('checking the container engine');
  const { engine, localImage } = checkEngine();
  state.engine = engine;
  say(`container engine: ${engine}${localImage ? ` (local image ${LOCAL_TEST_IMAGE} present)` : ''}`);
  checkpoint();

  step('building and packaging the extension (npm run package)', 'npm', ['run', 'package']);
  checkpoint();
  step('installing code-server if needed (scripts/install-code-server.sh)', 'bash', ['scripts/install-code-server.sh']);
  checkpoint();

  writeDemoWorkspace(WORKSPACE, {
    // .demo/ sits inside this repository: without this, the Git extension asks about the parent repo.
    'git.openRepositoryInParentFolders': 'never',
    'previewContainers.image': localImage ? LOCAL_TEST_IMAGE : undefined,
    'previewContainers.pullPolicy': localImage ? 'never' : undefined,
  });
  say(`sample workspace: ${path.relative(REPO_ROOT, WORKSPACE)} (apps: ${DEMO_APPS.join(', ')})`);
  if (!localImage) {
    say(`no local ${LOCAL_TEST_IMAGE}: apps use the default image, which needs registry access (npm run setup builds the local one)`);
  }

  const stateDir = path.join(DEMO_DIR, 'code-server');
  fs.mkdirSync(stateDir, { recursive: true });
  const started = await CodeServer.start({ name: 'demo', stateDir, workspace: WORKSPACE, vsix: [PACKAGED_VSIX], port: await choosePort() });
  state.server = started;
  void started.exited.then((code) => {
    if (state.stopping === undefined) {
      console.error(`[demo] code-server exited by itself (${code}). Log tail:\n${started.logTail(40)}`);
      process.exit(1);
    }
  });
  if (state.stopping !== undefined) {
    const reason = state.stopping;
    state.stopping = undefined;
    stop(reason); // a signal came while it was starting
    return;
  }

  console.log(
    [
      '',
      `Preview Containers demo is running (code-server pid ${started.pid}, log ${path.relative(REPO_ROOT, started.logFile)}).`,
      'Open this URL in a browser:',
      '',
      `  ${started.folderUrl(WORKSPACE)}`,
      '',
      `It listens on 127.0.0.1 only; from another machine forward the port first: ssh -L ${started.port}:127.0.0.1:${started.port} <this host>`,
      'Try "Preview Containers: Show Port Allocations" from the Command Palette (F1).',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof DemoError ? `[demo] ${error.message}` : error);
  process.exit(1);
});
