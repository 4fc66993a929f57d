import * as assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileLeaseJournal } from '../../src/core/fileLeaseJournal';
import { FileLock } from '../../src/core/interProcessLock';
import { benchApp, makeBenchAllocator, SMALL } from '../../bench/allocatorSetup';
import { RecordingLogger } from '../unit/helpers';
import { figure } from './helpers';
import type { StallResult } from './stallWorker';

const STALE_MS = 1000;
const COUNT = 5;

/**
 * A window stalls (SIGSTOP) inside the port lock's critical section, longer than the stale time;
 * another window takes the lock over and allocates; then the stalled one goes on. Its write must
 * not land on the new holder's table: 0 lost leases, 0 duplicate ports. No engine: the lock, the
 * journal and the allocator are what is tested (ports are never bound: a fake probe).
 */
describe('Reliability: stalled lock holder (SIGSTOP past the stale time)', function () {
  this.timeout(60_000);
  const children: ChildProcess[] = [];
  let dir = '';

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGCONT');
        child.kill('SIGKILL');
      }
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  const start = (name: string, stallAt: number) => {
    const child = fork(path.join(__dirname, 'stallWorker.js'), [], {
      env: { ...process.env, STALL_DIR: dir, STALL_NAME: name, STALL_COUNT: String(COUNT), STALL_AT: String(stallAt), STALL_STALE_MS: String(STALE_MS) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
    const result = new Promise<StallResult>((resolve, reject) => {
      child.on('message', (m) => m !== 'ready' && resolve(m as StallResult));
      child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code ?? '?'}) before reporting`)));
    });
    return { child, ready, result };
  };

  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 600 && !check(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(check(), what);
  };

  it('0 lost leases, 0 duplicate ports', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pc-rel-stall-'));
    const stalled = start('stalled', 2);
    const other = start('other', -1);
    await Promise.all([stalled.ready, other.ready]);
    stalled.child.send('go');
    await until(() => existsSync(path.join(dir, 'stalled.inlock')), 'the stalled window reached its critical section');
    process.kill(stalled.child.pid!, 'SIGSTOP');
    other.child.send('go');
    const otherResult = await other.result; // it waited for the lock to go stale, then took it
    await fs.writeFile(path.join(dir, 'stalled.resume'), '');
    process.kill(stalled.child.pid!, 'SIGCONT');
    const stalledResult = await stalled.result;

    const handedOut = { ...stalledResult.ports, ...otherResult.ports };
    const ports = Object.values(handedOut);
    assert.equal(ports.length, 2 * COUNT);
    assert.equal(new Set(ports).size, ports.length, `duplicate ports: ${JSON.stringify(handedOut)}`);
    assert.ok(stalledResult.warnings.some((w) => /Taking the lock again|compromised/.test(w)), `the stalled window noticed the takeover: ${JSON.stringify(stalledResult.warnings)}`);

    // A fresh window reads the shared journal under the lock: every lease is there, on its port.
    const logger = new RecordingLogger();
    const fresh = makeBenchAllocator({ scale: SMALL, lock: new FileLock(dir, logger, STALE_MS), journal: new FileLeaseJournal(dir, Date.now, logger) });
    await fresh.allocatePort(benchApp('fresh'));
    const table = new Map((await fresh.leases()).map((l) => [l.key, l.port]));
    const lost = Object.entries(handedOut).filter(([key, port]) => table.get(key) !== port);
    figure('stalled lock holder', { allocations: ports.length, duplicatePorts: ports.length - new Set(ports).size, lostLeases: lost.length });
    assert.deepEqual(lost, []);
  });
});
