import * as assert from 'node:assert/strict';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { hostBoundCommand, watcherSpawnError } from '../../src/core/engine/hostBoundChild';
import { TailBuffer } from '../../src/core/engine/tailBuffer';
import { killHostAndList } from '../harness/killedHost';

describe('long-lived children end with the host (hostBoundChild, real processes)', () => {
  it('a host killed with -9 leaves none of its stream and wait children behind', async () => {
    // Two watchers, each with its `sleep`: found by ppid from the host's pid, never by name.
    const { before, left } = await killHostAndList(['plain'], (children) => children.filter((c) => c.command.startsWith('sleep ')).length === 2);
    assert.equal(before.length, 4, JSON.stringify(before));
    assert.deepEqual(left, []);
  });

  it('a stream and a long exec pass output, exit codes and cancellation through the watcher', async () => {
    const lines: string[] = [];
    const streamed = await execaStream(process.execPath, ['-e', 'console.log("a"); console.error("oops"); process.exit(3)'], (line) => lines.push(line), { signal: new AbortController().signal });
    assert.deepEqual(lines, ['a']);
    assert.equal(streamed.exitCode, 3);
    assert.equal(streamed.stderr.trim(), 'oops');
    const waited = await execaExec(process.execPath, ['-e', 'console.log(7)'], { endsWithHost: true });
    assert.equal(waited.stdout.trim(), '7');
    const controller = new AbortController();
    const pending = execaExec('sleep', ['3600'], { signal: controller.signal, endsWithHost: true });
    controller.abort();
    assert.equal((await pending).cancelled, true);
  });

  it('a program that cannot be started is a spawn error, as without the watcher', async () => {
    const result = await execaStream('/nonexistent/podman', ['events'], () => undefined, { signal: new AbortController().signal });
    assert.equal(result.spawnError, 'ENOENT');
    assert.equal(watcherSpawnError('spawn /x/podman ENOENT\n'), 'ENOENT');
    assert.deepEqual(hostBoundCommand('podman', ['events'], '/node').args.slice(2), ['podman', 'events'], 'argv, never a shell string');
  });

  it('keeps only the tail of a long stderr', () => {
    const tail = new TailBuffer(10);
    for (let i = 0; i < 1000; i++) {
      tail.push(`line ${i}\n`);
    }
    assert.equal(tail.text(), '\nline 999\n');
    assert.ok(tail.text().length <= 10);
  });
});
