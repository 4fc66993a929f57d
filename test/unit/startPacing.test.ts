import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CliEngine } from '../../src/core/engine/cliEngine';
import type { Exec, ExecResult } from '../../src/core/engine/exec';
import { PidLookup } from '../../src/core/engine/pidLookup';
import type { ContainerDetails } from '../../src/core/engine/types';
import { silentLogger } from '../../src/core/logger';
import { StartPacing, untilNextTick } from '../../src/core/start/startPacing';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');

const details = (id: string, pid: number | undefined): ContainerDetails =>
  ({ id, name: `preview-${id}`, image: 'img', state: 'running', running: true, labels: {}, ports: [], exitCode: undefined, startedAt: undefined, finishedAt: undefined, error: undefined, pid, privileged: false, mountSources: [] });

describe('start pacing: many starts at once poll about as much as one', () => {
  it('a lone start keeps its interval; more waiting stretch it, up to the cap, never below the base', () => {
    const pacing = new StartPacing();
    const ends = [pacing.begin()];
    assert.equal(pacing.interval(10, 250), 10);
    for (let i = 0; i < 19; i++) {
      ends.push(pacing.begin());
    }
    assert.equal(pacing.inFlight, 20);
    assert.equal(pacing.interval(10, 250), 200);
    assert.equal(pacing.interval(50, 250), 250, 'capped');
    assert.equal(pacing.interval(250, 250), 250);
    assert.equal(pacing.interval(300, 250), 300, 'a cap below the base leaves the base');
    ends.forEach((end) => end());
    ends[0]?.();
    assert.equal(pacing.inFlight, 0, 'ending twice counts once');
    assert.equal(pacing.interval(10, 250), 10, 'nobody waiting: the base');
  });

  it('ticks are multiples of the interval on the wall clock', () => {
    assert.equal(untilNextTick(250, 1000), 250);
    assert.equal(untilNextTick(250, 1001), 249);
    assert.equal(untilNextTick(1000, 12_999), 1);
  });
});

describe('PidLookup: containers looked at together share one inspect', () => {
  it('joins lookups within its window into one call; a later lookup is a call of its own', async () => {
    const calls: string[][] = [];
    const lookup = new PidLookup((ids) => {
      calls.push([...ids]);
      return Promise.resolve([details('aaa111', 11), details('bbb222', 22)].filter((c) => ids.some((id) => c.id.startsWith(id) || c.name === id)));
    });
    const [a, b, gone, byName] = await Promise.all([lookup.pidOf('aaa111'), lookup.pidOf('bbb'), lookup.pidOf('ccc333'), lookup.pidOf('preview-aaa111')]);
    assert.deepEqual([a, b, gone, byName], [11, 22, undefined, 11]);
    assert.deepEqual(calls, [['aaa111', 'bbb', 'ccc333', 'preview-aaa111']]);
    assert.equal(await lookup.pidOf('bbb222'), 22);
    assert.equal(calls.length, 2);
  });

  it('a failed inspect leaves the PIDs unknown (the caller asks the engine another way)', async () => {
    const lookup = new PidLookup(() => Promise.reject(new Error('engine down')));
    assert.equal(await lookup.pidOf('aaa111'), undefined);
  });
});

describe('CliEngine.listeners for several starting containers (recorded podman 4.3 output)', () => {
  it('one inspect for all of them, read through the found ones when another is gone', async () => {
    // `podman inspect --type container <running> <gone>`, recorded here: the found one on stdout, exit 125.
    const [recorded] = JSON.parse(readFileSync(path.join(FIXTURES, 'podman-4.3/inspect-running.json'), 'utf8')) as Record<string, unknown>[];
    const state = (recorded?.State ?? {}) as Record<string, unknown>;
    const own = { ...recorded, Id: 'a'.repeat(64), State: { ...state, Pid: process.pid } };
    const pidless = { ...recorded, Id: 'b'.repeat(64), Name: 'preview-b', State: { ...state, Pid: 4_194_305 } };
    const calls: string[][] = [];
    const exec: Exec = (_file, args): Promise<ExecResult> => {
      calls.push([...args]);
      const base = { all: '', spawnError: undefined, timedOut: false, cancelled: false };
      if (args[0] === 'inspect') {
        return Promise.resolve({ ...base, stdout: JSON.stringify([own, pidless]), stderr: 'Error: inspecting object: no such container cccc', exitCode: 125 });
      }
      // The second one's PID is no process here: its sockets are read from inside it.
      return Promise.resolve({ ...base, stdout: '  sl  local_address rem_address   st\n   0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1', stderr: '', exitCode: 0 });
    };
    const engine = new CliEngine({ kind: 'podman', binary: '/usr/bin/podman', exec, stream: () => Promise.reject(new Error('no stream')), logger: silentLogger });
    const [mine, theirs, gone] = await Promise.all([engine.listeners('a'.repeat(64)), engine.listeners('b'.repeat(64)), engine.listeners('cccc')]);
    assert.equal(calls.filter((args) => args[0] === 'inspect').length, 1);
    assert.deepEqual(calls[0], ['inspect', '--type', 'container', 'a'.repeat(64), 'b'.repeat(64), 'cccc']);
    assert.ok(Array.isArray(mine), 'this process’s own socket table was read');
    assert.deepEqual(theirs, [{ address: '0.0.0.0', port: 3000 }]);
    assert.deepEqual(gone, [{ address: '0.0.0.0', port: 3000 }], 'unknown PID: asked from inside (the fake answers every exec)');
  });
});
