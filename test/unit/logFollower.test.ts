import * as assert from 'node:assert/strict';
import { AppStateStore } from '../../src/core/appStates';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import type { ContainerDetails } from '../../src/core/engine/types';
import { sleep } from '../../src/core/timing';
import { LogFollower } from '../../src/ui/logFollower';
import { app } from './helpers';

/** followLogs calls the test ends by hand; inspect answers from a table. */
class ScriptedLogs {
  readonly follows: { id: string; tail: number | undefined; onLine: (line: string) => void; signal: AbortSignal; end: () => void }[] = [];
  readonly details = new Map<string, Pick<ContainerDetails, 'running' | 'exitCode'>>();

  engine(): ContainerEngine {
    return {
      followLogs: (id: string, onLine: (line: string) => void, signal: AbortSignal, tail?: number) =>
        new Promise<void>((resolve) => {
          this.follows.push({ id, tail, onLine, signal, end: resolve });
          signal.addEventListener('abort', () => resolve(), { once: true });
        }),
      inspect: (id: string) => Promise.resolve(this.details.has(id) ? ({ id, ...this.details.get(id) } as ContainerDetails) : undefined),
    } as unknown as ContainerEngine;
  }

  last() {
    const follow = this.follows[this.follows.length - 1];
    assert.ok(follow, 'following something');
    return follow;
  }
}

describe('the log terminal’s follower', () => {
  const web = app('web');
  let store: AppStateStore;
  let logs: ScriptedLogs;
  let written: string[];
  let follower: LogFollower;
  const text = (): string => written.join('');

  beforeEach(() => {
    store = new AppStateStore();
    logs = new ScriptedLogs();
    written = [];
  });

  afterEach(() => follower.dispose());

  function follow(): void {
    follower = new LogFollower({ engine: () => Promise.resolve(logs.engine()), state: () => store.get(web), onDidChangeState: store.onDidChange, write: (t) => written.push(t), retryMs: 5 });
    follower.start();
  }

  it('passes the app’s lines on as terminal lines, colours untouched, and says when the container stopped', async () => {
    store.update(web, { status: 'running', containerId: 'c1-0123456789abcdef' });
    follow();
    await sleep(5);
    assert.deepEqual([logs.last().id, logs.last().tail], ['c1-0123456789abcdef', 1000]);
    logs.last().onLine('plain');
    logs.last().onLine('\u001b[31mred\u001b[0m');
    logs.last().onLine('10%\r100%');
    await sleep(5);
    assert.equal(text(), 'plain\r\n\u001b[31mred\u001b[0m\r\n10%\r100%\r\n');
    logs.details.set('c1-0123456789abcdef', { running: false, exitCode: 137 });
    logs.last().end();
    await sleep(5);
    assert.match(text(), /— web stopped \(exit code 137\)\. This terminal follows it when it runs again\. —/);
  });

  it('re-attaches to the new container of a restart, from its first line; says when a container is gone', async () => {
    store.update(web, { status: 'running', containerId: 'old' });
    follow();
    await sleep(5);
    const old = logs.last();
    store.update(web, { status: 'stopping' });
    store.update(web, { status: 'starting', containerId: 'new' });
    await sleep(5);
    assert.ok(old.signal.aborted, 'the old stream is let go');
    assert.deepEqual([logs.last().id, logs.last().tail], ['new', 1000]);
    assert.match(text(), /— web is starting in a new container \(new\)\. —/);
    logs.last().onLine('second run');
    logs.last().end(); // inspect: no such container
    await sleep(5);
    assert.match(text(), /second run\r\n.*— The container of web is gone \(new\)\. This terminal follows its next one\. —/s);
  });

  it('follows a running container again when only its stream broke off, without repeating old lines', async () => {
    store.update(web, { status: 'running', containerId: 'c' });
    logs.details.set('c', { running: true, exitCode: undefined });
    follow();
    await sleep(5);
    logs.last().end();
    await sleep(30);
    assert.equal(logs.follows.length, 2);
    assert.equal(logs.last().tail, 0);
  });

  it('an app that failed without a container: says why; no engine call', async () => {
    store.update(web, { status: 'failed', error: 'web did not start: its command exited' });
    follow();
    await sleep(5);
    assert.equal(logs.follows.length, 0);
    assert.match(text(), /web failed to start: web did not start: its command exited/);
  });

  it('writes in batches of at most 64 KB, and nothing after it is closed', async () => {
    store.update(web, { status: 'running', containerId: 'c' });
    follow();
    await sleep(5);
    const line = 'x'.repeat(100);
    for (let i = 0; i < 5000; i++) {
      logs.last().onLine(line);
    }
    await sleep(5);
    assert.equal(text().length, 5000 * 102);
    assert.ok(written.length < 20, `${written.length} writes`);
    assert.ok(written.every((w) => w.length <= 64 * 1024 + 102));
    const stream = logs.last();
    follower.dispose();
    assert.ok(stream.signal.aborted);
    const before = written.length;
    stream.onLine('late');
    await sleep(5);
    assert.equal(written.length, before);
  });
});
