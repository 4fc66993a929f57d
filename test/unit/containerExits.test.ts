import * as assert from 'node:assert/strict';
import { ContainerExits } from '../../src/core/containerExits';
import { AppStartError } from '../../src/core/errors';
import type { EngineEvent } from '../../src/core/engine/types';
import { fakeWorld } from './fakeWorld';
import { app, FakeClock } from './helpers';

const die = (id: string, exitCode: number): EngineEvent => ({ id, name: 'x', action: 'die', rawAction: 'died', labels: {}, time: 0, exitCode });

describe('ContainerExits (exit notices from engine events)', () => {
  it('resolves a watcher on the die event, and remembers a death that came first', async () => {
    const clock = new FakeClock();
    const exits = new ContainerExits(() => true, clock.read);
    const watching = exits.waitForExit('abc', new AbortController().signal);
    exits.onEvent({ ...die('abc', 3), action: 'start' });
    exits.onEvent(die('abc', 3));
    assert.equal(await watching, 3);
    exits.onEvent(die('early', 1));
    assert.equal(await exits.waitForExit('early', new AbortController().signal), 1);
  });

  it('an aborted watch resolves undefined; old deaths are forgotten', async () => {
    const clock = new FakeClock();
    const exits = new ContainerExits(() => true, clock.read, 1000);
    const abort = new AbortController();
    const watching = exits.waitForExit('x', abort.signal);
    abort.abort();
    assert.equal(await watching, undefined);
    // Nothing kept for a watch that ended (one per start would pile up over a session).
    assert.equal((exits as unknown as { waiters: Map<string, unknown> }).waiters.size, 0);
    exits.onEvent(die('old', 1));
    clock.advance(5000);
    exits.onEvent(die('new', 2));
    const late = exits.waitForExit('old', AbortSignal.timeout(50));
    assert.equal(await late, undefined);
  });

  it('with the stream live, a crashing start is reported from its die event, without an engine wait', async () => {
    const exits = new ContainerExits(() => true, Date.now);
    const w = fakeWorld({ start: 33270, exits });
    const stream = new AbortController();
    void w.engine.events((e) => exits.onEvent(e), stream.signal);
    w.engine.behaviour = () => ({ exitWith: 4, log: 'boom' });
    w.engine.startDelayMs = 20;
    await assert.rejects(w.controller.run({ ref: app('crash') }), (error: unknown) => error instanceof AppStartError && /exited with code 4/.test(error.message));
    assert.equal(w.engine.waits, 0, 'no engine wait process');
    w.engine.behaviour = () => 'serve';
    await w.controller.run({ ref: app('fine') });
    assert.equal(w.engine.waits, 0);
    stream.abort();
    await w.engine.closeAll();
  });

  it('without a live stream the engine wait is used', async () => {
    const exits = new ContainerExits(() => false, Date.now);
    const w = fakeWorld({ start: 33280, exits });
    w.engine.behaviour = () => ({ exitWith: 5 });
    w.engine.startDelayMs = 400;
    await assert.rejects(w.controller.run({ ref: app('crash') }), (error: unknown) => error instanceof AppStartError && /exited with code 5/.test(error.message));
    assert.equal(w.engine.waits, 1);
    await w.engine.closeAll();
  });
});
