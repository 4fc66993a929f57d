import * as assert from 'node:assert/strict';
import type { AppState } from '../../src/core/appController';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { EventFollower } from '../../src/core/eventFollower';
import { Reconciler } from '../../src/core/reconciler';
import { RecordingLogger } from '../unit/helpers';
import { engineCli, ENGINE_VARIANTS, forceRemoveArgs, makeController, realEngine, TestWorkspace } from './helpers';

for (const { kind, portOffset } of ENGINE_VARIANTS) {
  const at = (port: number): number => port + portOffset;

  describe(`lifecycle on a real engine (${kind}): events, external changes`, function () {
    this.timeout(120_000);
    let engine: ContainerEngine;
    let workspace: TestWorkspace;
    let follower: EventFollower | undefined;

    before(async function () {
      engine = await realEngine(this, kind);
    });
    beforeEach(async () => {
      workspace = await TestWorkspace.create('pc-life');
    });
    afterEach(async () => {
      await follower?.stop();
      follower = undefined;
      await workspace.cleanUp(engine);
    });

    /** Controller + reconciler + event follower, as activate() wires them, but no periodic poll at all. */
    async function world(start: number) {
      const fixture = makeController(engine, { start, end: start + 9 });
      const apps = [await workspace.addApp('watched'), await workspace.addApp('other')];
      const logger = new RecordingLogger();
      const reconciler = new Reconciler({ controller: fixture.controller, allocator: fixture.allocator, engine: () => Promise.resolve(engine), apps: () => apps, logger, clock: Date.now });
      let eventPasses = 0;
      follower = new EventFollower({
        engine: () => Promise.resolve(engine),
        onEvents: () => {
          eventPasses++;
          void reconciler.reconcile({ repair: false });
        },
        onReconnect: () => void reconciler.reconcile(),
        logger,
      });
      follower.start();
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the stream attaches
      return { ...fixture, apps, reconciler, eventPasses: () => eventPasses };
    }

    function nextState(controller: ReturnType<typeof makeController>['controller'], match: (s: AppState) => boolean, timeoutMs = 10_000): Promise<number> {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.dispose();
          reject(new Error(`no matching state change within ${timeoutMs} ms`));
        }, timeoutMs);
        const sub = controller.onDidChangeState((state) => {
          if (match(state)) {
            clearTimeout(timer);
            sub.dispose();
            resolve(Date.now() - started);
          }
        });
      });
    }

    it(`an external \`${kind} stop\` reaches the model through the event stream (there is no poll here)`, async () => {
      const { controller, apps, eventPasses } = await world(at(32760));
      const [watched] = apps;
      const result = await controller.run({ ref: watched });
      const passesBefore = eventPasses();
      const observed = nextState(controller, (s) => s.app.key === watched.key && s.status === 'stopped');
      await engineCli(engine, ['stop', '-t', '2', result.containerId]);
      const ms = await observed;
      assert.ok(eventPasses() > passesBefore, 'the change came from an engine event');
      console.log(`      external stop → model: ${ms} ms after the stop command returned`);
      assert.equal(controller.stateOf(watched).port, result.port, 'the stopped app keeps its port');
    });

    it(`an external \`${kind} rm -f\` keeps the lease as a sticky reservation (stopped)`, async () => {
      const { controller, allocator, apps, reconciler } = await world(at(32770));
      const [watched] = apps;
      const result = await controller.run({ ref: watched });
      const observed = nextState(controller, (s) => s.app.key === watched.key && s.status === 'stopped');
      await engineCli(engine, forceRemoveArgs(engine, result.containerId));
      await observed;
      await reconciler.reconcile();
      assert.equal(await allocator.leaseOf(watched.key), result.port);
      assert.equal(controller.stateOf(watched).port, result.port);
      const again = await controller.run({ ref: watched });
      assert.equal(again.port, result.port, 'the next run gets the same port');
    });
  });
}
