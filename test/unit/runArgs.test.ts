import * as assert from 'node:assert/strict';
import { RunSpecError } from '../../src/core/engine/engineErrors';
import { buildRunArgs } from '../../src/core/engine/runArgs';
import { containerNameFor, makeAppRef } from '../../src/core/appIdentity';
import { makeAllocator } from './helpers';

async function leaseFor(folder: string) {
  const { allocator } = makeAllocator();
  return allocator.allocatePort(makeAppRef(folder, '/ws'));
}

function valueAfter(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('buildRunArgs', () => {
  it('publishes on the bind address only, mounts only the app folder, labels the container and sets PORT/HOST', async () => {
    const lease = await leaseFor('/ws/apps/web');
    const args = buildRunArgs({ lease, name: containerNameFor(lease.app), image: 'localhost/preview-node:test', bindAddress: '127.0.0.1', containerPort: 3000, command: ['npm', 'start'], env: { A: '1' } });
    assert.equal(args[0], 'run');
    assert.deepEqual(valueAfter(args, '--publish'), ['127.0.0.1:32100:3000']);
    assert.deepEqual(valueAfter(args, '--volume'), ['/ws/apps/web:/preview-source:ro']);
    assert.deepEqual(valueAfter(args, '--workdir'), ['/app']);
    assert.deepEqual(valueAfter(args, '--label').sort(), [
      'previewContainers.app=apps-web',
      'previewContainers.managed=true',
      'previewContainers.path=/ws/apps/web',
      'previewContainers.port=32100',
    ]);
    assert.deepEqual(valueAfter(args, '--env').sort(), ['A=1', 'HOST=0.0.0.0', 'PORT=3000']);
    assert.ok(args.includes('--init'));
    assert.ok(!args.some((a) => /privileged|docker\.sock|podman\.sock|--network=host/.test(a)));
    assert.deepEqual(args.slice(-3), ['localhost/preview-node:test', 'npm', 'start']);
  });

  it('brackets IPv6 bind addresses', async () => {
    const lease = await leaseFor('/ws/a');
    const args = buildRunArgs({ lease, name: 'n', image: 'img', bindAddress: '::1', containerPort: 8080, command: [], env: {} });
    assert.deepEqual(valueAfter(args, '--publish'), ['[::1]:32100:8080']);
  });

  it('uses --mount for a folder with ":" and refuses one with both ":" and ","', async () => {
    const colon = buildRunArgs({ lease: await leaseFor('/ws/a:b'), name: 'n', image: 'img', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {} });
    assert.deepEqual(valueAfter(colon, '--mount'), ['type=bind,source=/ws/a:b,target=/preview-source,readonly']);
    const both = await leaseFor('/ws/a:b,c');
    assert.throws(() => buildRunArgs({ lease: both, name: 'n', image: 'img', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {} }), RunSpecError);
  });

  it('refuses option-like images and line breaks', async () => {
    const lease = await leaseFor('/ws/a');
    assert.throws(() => buildRunArgs({ lease, name: 'n', image: '--privileged', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {} }), RunSpecError);
    assert.throws(() => buildRunArgs({ lease, name: 'n\nx', image: 'img', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {} }), RunSpecError);
    assert.throws(() => buildRunArgs({ lease, name: 'n', image: 'img', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: { 'A B': 'x' } }), RunSpecError);
  });
});

describe('buildRunArgs: shared named volumes', () => {
  it('mounts each named volume at its container path, after the per-app node_modules volume', async () => {
    const lease = await leaseFor('/ws/a');
    const args = buildRunArgs({
      lease,
      name: 'n',
      image: 'img',
      bindAddress: '127.0.0.1',
      containerPort: 3000,
      command: [],
      env: {},
      dependencyVolume: 'preview-deps-a-1234',
      volumes: [{ name: 'preview-pkg-cache', containerPath: '/var/cache/preview-pkg' }],
    });
    assert.deepEqual(valueAfter(args, '--volume'), ['/ws/a:/preview-source:ro', 'preview-deps-a-1234:/app/node_modules', 'preview-pkg-cache:/var/cache/preview-pkg']);
  });

  it('refuses host paths, relative or option-like names, and paths that would hide the app or escape', async () => {
    const lease = await leaseFor('/ws/a');
    const run = (name: string, containerPath: string) => () =>
      buildRunArgs({ lease, name: 'n', image: 'img', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {}, volumes: [{ name, containerPath }] });
    for (const [name, containerPath] of [
      ['/etc', '/x'],
      ['./cache', '/x'],
      ['-v', '/x'],
      ['ok', 'relative/path'],
      ['ok', '/'],
      ['ok', '/app'],
      ['ok', '/app/'],
      ['ok', '/var/../etc'],
      ['ok', '/x:/y'],
      ['ok', '/x,ro'],
      ['ok', '/x\n'],
    ]) {
      assert.throws(run(name ?? '', containerPath ?? ''), RunSpecError, `${name} at ${containerPath}`);
    }
  });
});

describe('buildRunArgs: entries hidden from the container', () => {
  it('puts an empty read-only tmpfs over each (the repository\'s .git), and refuses anything but a plain name', async () => {
    const base = { name: 'c', image: 'localhost/x:1', bindAddress: '127.0.0.1', containerPort: 3000, command: [], env: {} };
    const lease = await leaseFor('/ws/apps/web');
    assert.deepEqual(valueAfter(buildRunArgs({ ...base, lease, hiddenSourceEntries: ['.git'] }, 'podman'), '--tmpfs'), ['/preview-source/.git:ro,size=4k,mode=0500,notmpcopyup']);
    assert.deepEqual(valueAfter(buildRunArgs({ ...base, lease, hiddenSourceEntries: ['.git'] }, 'docker'), '--tmpfs'), ['/preview-source/.git:ro,size=4k,mode=0500']);
    for (const bad of ['../x', 'a/b', '..', '', 'x,rw']) {
      assert.throws(() => buildRunArgs({ ...base, lease, hiddenSourceEntries: [bad] }), RunSpecError, bad);
    }
  });
});

describe('buildRunArgs: how the folder reaches the container (Dockerfile apps)', () => {
  const base = { name: 'c', image: 'localhost/preview-containers/api:0123456789ab', bindAddress: '127.0.0.1', containerPort: 8000, command: [], env: {} };

  it('the default is the Node mirror: read-only at /preview-source, workdir /app', async () => {
    const lease = await leaseFor('/ws/api');
    for (const args of [buildRunArgs({ ...base, lease }), buildRunArgs({ ...base, lease, mount: { kind: 'mirror' } })]) {
      assert.deepEqual(valueAfter(args, '--volume'), ['/ws/api:/preview-source:ro']);
      assert.deepEqual(valueAfter(args, '--workdir'), ['/app']);
    }
  });

  it('none: nothing of the host is mounted and the image keeps its WORKDIR and its own command', async () => {
    const lease = await leaseFor('/ws/api');
    const args = buildRunArgs({ ...base, lease, mount: { kind: 'none' }, hiddenSourceEntries: ['.git'] });
    assert.deepEqual(valueAfter(args, '--volume'), []);
    assert.deepEqual(valueAfter(args, '--tmpfs'), [], 'nothing mounted: nothing to hide');
    assert.deepEqual(valueAfter(args, '--workdir'), []);
    assert.equal(args[args.length - 1], base.image, 'no command after the image: its CMD runs');
    assert.deepEqual(valueAfter(args, '--label').filter((l) => l.startsWith('previewContainers.path=')), ['previewContainers.path=/ws/api'], 'still labelled with its folder');
  });

  it('readOnly: the folder read-only at the WORKDIR, .git hidden there, no workdir override', async () => {
    const lease = await leaseFor('/ws/api');
    const args = buildRunArgs({ ...base, lease, mount: { kind: 'readOnly', target: '/srv/' }, hiddenSourceEntries: ['.git'] }, 'podman');
    assert.deepEqual(valueAfter(args, '--volume'), ['/ws/api:/srv:ro']);
    assert.deepEqual(valueAfter(args, '--tmpfs'), ['/srv/.git:ro,size=4k,mode=0500,notmpcopyup']);
    assert.deepEqual(valueAfter(args, '--workdir'), []);
    const colon = buildRunArgs({ ...base, lease: await leaseFor('/ws/a:b'), mount: { kind: 'readOnly', target: '/srv' } });
    assert.deepEqual(valueAfter(colon, '--mount'), ['type=bind,source=/ws/a:b,target=/srv,readonly']);
  });

  it('refuses a mount target that is the root, relative, escapes or would be split, and a node_modules volume without the mirror', async () => {
    const lease = await leaseFor('/ws/api');
    for (const target of ['/', '', 'srv', '/srv/../etc', '/a:b', '/a,b', '/a b', '/srv\n']) {
      assert.throws(() => buildRunArgs({ ...base, lease, mount: { kind: 'readOnly', target } }), RunSpecError, JSON.stringify(target));
    }
    assert.throws(() => buildRunArgs({ ...base, lease, mount: { kind: 'none' }, dependencyVolume: 'preview-deps-x' }), RunSpecError);
  });
});
