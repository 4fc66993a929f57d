import * as assert from 'node:assert/strict';
import { AppStateStore } from '../../src/core/appStates';
import { LeaseTable } from '../../src/core/leaseTable';
import { Debouncer, sleep } from '../../src/core/timing';
import { VisiblePreviews } from '../../src/core/visiblePreviews';
import { describeCommand } from '../../src/core/start/launch';
import { app } from './helpers';

describe('small pieces of the start path and the core', () => {
  it('the state store fires only on real changes', () => {
    const store = new AppStateStore();
    const seen: string[] = [];
    store.onDidChange((s) => seen.push(s.status));
    const web = app('web');
    store.update(web, { status: 'starting' });
    store.update(web, { status: 'starting' });
    store.update(web, { status: 'running', port: 1 });
    assert.deepEqual(seen, ['starting', 'running']);
    assert.equal(store.get(web).port, 1);
  });

  it('the lease table answers "leased to another app?" by port, also after moves and deletes', () => {
    const lease = (key: string, port: number) => ({ key, appId: key, port, allocatedAt: 1, updatedAt: 1 });
    const table = new LeaseTable([lease('/a', 1), lease('/b', 2)]);
    assert.equal(table.leasedToOther(1, '/b'), true);
    assert.equal(table.leasedToOther(1, '/a'), false);
    table.set('/a', lease('/a', 3));
    assert.equal(table.holderOf(1), undefined, 'the old port is free once the lease moved');
    assert.equal(table.holderOf(3)?.key, '/a');
    table.delete('/b');
    assert.equal(table.leasedToOther(2, '/x'), false);
    assert.deepEqual([...table.keys()], ['/a']);
  });

  it('sleep ends early on abort; the debouncer runs once per burst and can be cancelled', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 10);
    await sleep(10_000, abort.signal);
    assert.ok(Date.now() - started < 1000);
    let runs = 0;
    const d = new Debouncer(20, () => runs++);
    d.schedule();
    d.schedule();
    await sleep(40);
    assert.equal(runs, 1);
    d.schedule();
    d.cancel();
    await sleep(40);
    assert.equal(runs, 1);
  });

  it('visible previews are reported, not polled', () => {
    const visible = new VisiblePreviews();
    visible.set('/a', true);
    visible.set('/b', true);
    visible.set('/a', false);
    assert.deepEqual(visible.keys(), ['/b']);
  });

  it('messages show the app’s own command, after its install', () => {
    assert.equal(describeCommand(['sh', '-c', 'install…', 'sh', 'npm', 'run', 'dev']), 'install dependencies, then npm run dev');
    assert.equal(describeCommand([]), 'the image default');
  });
});
