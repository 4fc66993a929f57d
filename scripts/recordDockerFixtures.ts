/**
 * Records test/fixtures/docker-20.10/ from a real dockerd: the tests' own (test/harness/dockerd.ts),
 * driven with Debian's docker 20.10 client and the product's own `run` argv (buildRunArgs).
 *
 *   npm run compile-tests && node out/scripts/recordDockerFixtures.js
 *
 * DOCKER_CLIENT chooses another client binary (default /usr/bin/docker, from docker.io).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { execa } from 'execa';
import { makeAppRef } from '../src/core/appIdentity';
import { containerNameFor } from '../src/core/appIdentity';
import { MANAGED_FILTER } from '../src/core/engine/labels';
import { buildRunArgs } from '../src/core/engine/runArgs';
import { serverSource } from '../test/engine/helpers';
import { DOCKER_TEST_IMAGE, failOnTestDockerdLeftovers, startTestDockerd, stopTestDockerd } from '../test/harness/dockerd';
import { REPO_ROOT } from '../test/harness/prerequisites';
import { makeAllocator } from '../test/unit/helpers';

const CLIENT = process.env.DOCKER_CLIENT ?? '/usr/bin/docker';
const OUT = path.join(REPO_ROOT, 'test', 'fixtures', 'docker-20.10');
/** Fixed, so the recorded labels and names are the same on every machine. */
const WORKSPACE = '/tmp/pc-docker-fixtures';
const PORTS = { web: 36600, crash: 36601, foreign: 36602, hostListener: 36603 };

async function docker(args: readonly string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  const result = await execa(CLIENT, [...args], { reject: false, stdin: 'ignore', env: { LC_ALL: 'C', ...env } });
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
}

async function write(name: string, text: string): Promise<void> {
  await fs.writeFile(path.join(OUT, name), text.endsWith('\n') ? text : `${text}\n`);
  console.log(`wrote ${name}`);
}

/** The product's argv for an app whose lease is on `port` (a real allocator picks it). */
async function productRun(folder: string, port: number, command: readonly string[]): Promise<{ name: string; args: string[] }> {
  const ref = makeAppRef(folder, WORKSPACE);
  const { allocator } = makeAllocator({ start: port, end: port });
  const lease = await allocator.allocatePort(ref);
  const name = containerNameFor(ref);
  return { name, args: buildRunArgs({ lease, name, image: DOCKER_TEST_IMAGE, bindAddress: '127.0.0.1', containerPort: 3000, command, env: {} }) };
}

async function main(): Promise<void> {
  await fs.mkdir(OUT, { recursive: true });
  for (const app of ['web', 'crash']) {
    await fs.mkdir(path.join(WORKSPACE, 'apps', app), { recursive: true });
    await fs.writeFile(path.join(WORKSPACE, 'apps', app, 'package.json'), JSON.stringify({ name: app }));
    await fs.writeFile(path.join(WORKSPACE, 'apps', app, 'server.js'), serverSource());
  }
  const created: string[] = [];
  const events = spawn(CLIENT, ['events', '--format', '{{json .}}', '--filter', 'type=container', '--filter', `label=${MANAGED_FILTER}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let eventLines = '';
  events.stdout.setEncoding('utf8').on('data', (text: string) => (eventLines += text));
  const listener = net.createServer((socket) => socket.end());
  try {
    await new Promise((resolve) => setTimeout(resolve, 500)); // the stream attaches
    const web = await productRun(path.join(WORKSPACE, 'apps', 'web'), PORTS.web, ['node', 'server.js']);
    const crash = await productRun(path.join(WORKSPACE, 'apps', 'crash'), PORTS.crash, ['node', '-e', 'console.error("fatal: missing config"); process.exit(3)']);
    for (const run of [web, crash]) {
      const result = await docker(run.args);
      if (result.exitCode !== 0) {
        throw new Error(`${run.args.join(' ')}: ${result.stderr}`);
      }
      created.push(result.stdout.trim());
    }
    const foreign = await docker(['run', '--detach', '--name', 'foreign-server', '--init', '--publish', `127.0.0.1:${PORTS.foreign}:3000`, '--volume', `${path.join(WORKSPACE, 'apps', 'web')}:/app`, '--workdir', '/app', DOCKER_TEST_IMAGE, 'node', 'server.js']);
    created.push(foreign.stdout.trim());
    await docker(['wait', crash.name]);

    // Refusals, as `run` prints them. A run refused a port leaves its created container (stdout
    // has its id): removed by that id.
    const refused = async (file: string, args: readonly string[], name: string): Promise<void> => {
      const result = await docker(['run', '--detach', '--name', name, '--init', '--pull', 'never', ...args]);
      if (result.exitCode === 0) {
        throw new Error(`${file}: the run was not refused`);
      }
      await write(file, result.stderr);
      const id = result.stdout.trim();
      if (/^[0-9a-f]{64}$/.test(id)) {
        await docker(['rm', '--force', id]);
      }
    };
    await refused('run-port-conflict.stderr', ['--publish', `127.0.0.1:${PORTS.foreign}:3000`, DOCKER_TEST_IMAGE, 'node'], 'pc-fixture-conflict');
    await new Promise<void>((resolve) => listener.listen(PORTS.hostListener, '127.0.0.1', resolve));
    await refused('run-port-host-listener.stderr', ['--publish', `127.0.0.1:${PORTS.hostListener}:3000`, DOCKER_TEST_IMAGE, 'node'], 'pc-fixture-listener');
    await refused('run-name-in-use.stderr', [DOCKER_TEST_IMAGE, 'node'], web.name);
    await refused('run-image-missing-pull-never.stderr', ['localhost/does-not-exist:1'], 'pc-fixture-noimage');

    await write('ps-all.jsonl', (await docker(['ps', '--all', '--no-trunc', '--format', '{{json .}}'])).stdout);
    await write('ps-labelled.jsonl', (await docker(['ps', '--all', '--no-trunc', '--filter', `label=${MANAGED_FILTER}`, '--format', '{{json .}}'])).stdout);
    await write('inspect-running.json', (await docker(['inspect', '--type', 'container', web.name])).stdout);
    await write('inspect-exited.json', (await docker(['inspect', '--type', 'container', crash.name])).stdout);
    await write('info.json', (await docker(['info', '--format', '{{json .}}'])).stdout);
    await write('info-format-json.stdout', (await docker(['info', '--format', 'json'])).stdout);
    const dead = await docker(['info', '--format', '{{json .}}'], { DOCKER_HOST: `unix://${WORKSPACE}/no-daemon.sock` });
    await write('info-no-daemon.stdout', dead.stdout);
    console.log(`info without a daemon: exit code ${dead.exitCode}, stderr ${JSON.stringify(dead.stderr)}`);

    // A second context in a throw-away client configuration, beside the default one.
    const config = { DOCKER_CONFIG: path.join(WORKSPACE, 'docker-config') };
    await docker(['context', 'create', 'pc-fixture', '--description', 'recorded', '--docker', 'host=ssh://dev@build-box.example'], config);
    await write('context-ls.jsonl', (await docker(['context', 'ls', '--format', '{{json .}}'], config)).stdout);

    await docker(['stop', '--time', '5', web.name]);
    await docker(['rm', '--force', ...created]);
    created.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the last events arrive
    await write('events.jsonl', eventLines);
  } finally {
    events.kill('SIGTERM');
    listener.close();
    if (created.length > 0) {
      await docker(['rm', '--force', ...created]);
    }
    await fs.rm(WORKSPACE, { recursive: true, force: true });
  }
}

async function record(): Promise<void> {
  await startTestDockerd();
  try {
    await main();
    await failOnTestDockerdLeftovers();
  } finally {
    await stopTestDockerd();
  }
}

record().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
