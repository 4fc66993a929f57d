import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import type { RunSpec } from '../../src/core/engine/runArgs';
import { LABEL_APP, LABEL_MANAGED, LABEL_PATH, LABEL_PORT } from '../../src/core/engine/labels';
import { SOURCE_DIR } from '../../src/core/sourceMirror';

/** Options of `podman run` / `docker run` that take a value, and the ones that do not. */
const WITH_VALUE = new Set(['--name', '--pull', '--security-opt', '--label', '--publish', '--volume', '--mount', '--workdir', '--env', '--env-file', '--cpus', '--memory']);
const BOOLEAN = new Set(['--detach', '--init']);

export interface ParsedRun {
  readonly options: readonly (readonly [string, string | true])[];
  readonly image: string;
  readonly command: readonly string[];
}

/**
 * Reads a `run` argv the way the engine's flag parser does (flags until the first positional,
 * which is the image; everything after it belongs to the container). Any option outside the
 * expected set fails: nothing else (no `--privileged`, no extra mount) can sneak in.
 */
export function parseRunArgv(argv: readonly string[]): ParsedRun {
  assert.equal(argv[0], 'run');
  const options: (readonly [string, string | true])[] = [];
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      break;
    }
    if (BOOLEAN.has(arg)) {
      options.push([arg, true]);
    } else if (WITH_VALUE.has(arg)) {
      assert.ok(i + 1 < argv.length, `${arg} has no value`);
      options.push([arg, argv[++i]]);
    } else {
      assert.fail(`unexpected option ${JSON.stringify(arg)} at ${i} in ${JSON.stringify(argv)}`);
    }
  }
  assert.ok(i < argv.length, `no image in ${JSON.stringify(argv)}`);
  return { options, image: argv[i], command: argv.slice(i + 1) };
}

function values(parsed: ParsedRun, option: string): string[] {
  return parsed.options.filter(([name]) => name === option).map(([, value]) => String(value));
}

/** What one `run` must say, from the inputs (app, lease port, settings). */
export type ExpectedRun = Omit<RunSpec, 'lease'> & { readonly folder: string; readonly appId: string; readonly port: number };

export function expectedFrom(spec: RunSpec): ExpectedRun {
  return { ...spec, folder: spec.lease.app.folder, appId: spec.lease.app.appId, port: spec.lease.port };
}

/**
 * Checks a recorded `run` argv against what it must say: every value is its own argv entry, no
 * NUL anywhere, labels exact, only the app folder mounted (and unambiguous for the engine's own
 * `:`/`,` splitting), the port published on the bind address only.
 */
export function assertRunArgv(argv: readonly string[], spec: ExpectedRun): void {
  for (const arg of argv) {
    assert.equal(typeof arg, 'string');
    assert.ok(!arg.includes('\0'), `NUL in ${JSON.stringify(arg)}`);
  }
  const parsed = parseRunArgv(argv);
  const folder = spec.folder;
  assert.equal(parsed.image, spec.image, 'image');
  assert.deepEqual(parsed.command, spec.command, 'command, argument by argument');
  assert.deepEqual(values(parsed, '--name'), [spec.name]);
  assert.deepEqual(values(parsed, '--detach'), ['true']);
  assert.deepEqual(values(parsed, '--init'), ['true']);
  assert.deepEqual(values(parsed, '--pull'), ['never']);
  assert.deepEqual(values(parsed, '--security-opt'), ['no-new-privileges']);
  assert.deepEqual(values(parsed, '--workdir'), ['/app']);
  const labels = values(parsed, '--label').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
  assert.deepEqual(Object.fromEntries(labels), {
    [LABEL_MANAGED]: 'true',
    [LABEL_APP]: spec.appId,
    [LABEL_PORT]: String(spec.port),
    [LABEL_PATH]: folder,
  });
  assert.equal(labels.length, 4);
  const host = net.isIPv6(spec.bindAddress) ? `[${spec.bindAddress}]` : spec.bindAddress;
  assert.deepEqual(values(parsed, '--publish'), [`${host}:${spec.port}:${spec.containerPort}`]);
  // The dependency cache and the shared package cache are named volumes (plain names: never host paths).
  const cache = [...(spec.dependencyVolume === undefined ? [] : [`${spec.dependencyVolume}:/app/node_modules`]), ...(spec.volumes ?? []).map((v) => `${v.name}:${v.containerPath}`)];
  for (const volume of spec.volumes ?? []) {
    assert.match(volume.name, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a volume name, not a path');
  }
  if (spec.dependencyVolume !== undefined) {
    assert.match(spec.dependencyVolume, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a volume name, not a path');
  }
  const volumes = values(parsed, '--volume');
  assert.deepEqual(volumes.filter((v) => cache.includes(v)), cache, 'the dependency and package cache volumes, if any');
  const hostVolumes = volumes.filter((v) => !cache.includes(v));
  const mounts = values(parsed, '--mount');
  assert.equal(hostVolumes.length + mounts.length, 1, 'exactly one host path mounted');
  if (hostVolumes.length === 1) {
    assert.deepEqual(hostVolumes[0]?.split(':'), [folder, SOURCE_DIR, 'ro'], 'the engine splits -v at ":" into exactly source, target and read-only');
  } else {
    assert.deepEqual(mounts[0]?.split(','), ['type=bind', `source=${folder}`, `target=${SOURCE_DIR}`, 'readonly'], 'the engine splits --mount at ","');
  }
  assert.deepEqual(values(parsed, '--env-file'), spec.envFile === undefined ? [] : [spec.envFile], 'the env file, if any');
  assert.deepEqual(values(parsed, '--cpus'), spec.limits?.cpus === undefined ? [] : [String(spec.limits.cpus)], 'the CPU limit');
  assert.deepEqual(values(parsed, '--memory'), spec.limits?.memory === undefined ? [] : [spec.limits.memory], 'the memory limit');
  const env = Object.fromEntries(values(parsed, '--env').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  assert.deepEqual(env, { ...spec.env, PORT: String(spec.containerPort), HOST: '0.0.0.0' });
}
