import * as assert from 'node:assert/strict';
import { execa } from 'execa';
import { realEngine, TEST_IMAGE } from '../engine/helpers';
import { killHostAndList } from '../harness/killedHost';
import { figure } from './helpers';

/**
 * The extension host dies by SIGKILL while it follows an app's logs, waits for its exit and reads
 * the engine's event stream: none of those podman processes may live on. They are identified by
 * ppid from the killed host's pid, recorded before the kill — never by name.
 */
describe('Reliability: kill -9 of the host with followed logs and the event stream (real podman)', function () {
  this.timeout(120_000);
  let containerId: string | undefined;

  before(async function () {
    await realEngine(this);
  });

  after(async () => {
    if (containerId) {
      await execa('podman', ['rm', '-f', '-t', '0', containerId], { reject: false, stdin: 'ignore' });
    }
  });

  it('0 engine CLI processes left', async () => {
    const run = await execa('podman', ['run', '-d', '--label', 'previewContainers.test=hostKill', TEST_IMAGE, '/usr/local/bin/node', '-e', 'setInterval(() => console.log(Date.now()), 200)'], { stdin: 'ignore' });
    containerId = run.stdout.trim();
    const podmanChildren = (children: readonly { command: string }[]) => children.filter((c) => /^podman (events|logs|wait)\b/.test(c.command));
    const { before, left } = await killHostAndList(['engine', containerId], (children) => podmanChildren(children).length === 3);
    assert.deepEqual(
      podmanChildren(before).map((c) => c.command.split(' ')[1]).sort(),
      ['events', 'logs', 'wait'],
    );
    figure('host kill -9 with logs -f, wait and events', { engineChildren: podmanChildren(before).length, left: left.length });
    assert.deepEqual(left, [], 'every child of the killed host ended');
    // The container itself is not the host's: it keeps running (other windows adopt it).
    assert.equal((await execa('podman', ['inspect', '--format', '{{.State.Running}}', containerId], { stdin: 'ignore' })).stdout.trim(), 'true');
  });
});
