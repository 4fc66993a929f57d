/**
 * Child process: one "window" allocating ports for its own apps through the inter-process lock
 * and the shared journal in BENCH_LOCK_DIR, starting when the parent says go.
 */
import { FileLeaseJournal } from '../src/core/fileLeaseJournal';
import { FileLock } from '../src/core/interProcessLock';
import { RecordingLogger } from '../test/unit/helpers';
import { benchApp, makeBenchAllocator } from './allocatorSetup';

export interface WorkerResult {
  readonly latenciesMs: number[];
  readonly ports: number[];
}

async function main(): Promise<void> {
  const dir = process.env.BENCH_LOCK_DIR ?? '';
  const worker = process.env.BENCH_WORKER ?? '0';
  const count = Number(process.env.BENCH_ALLOCATIONS ?? '25');
  const logger = new RecordingLogger();
  const allocator = makeBenchAllocator({ lock: new FileLock(dir, logger), journal: new FileLeaseJournal(dir, Date.now, logger) });
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.('ready');
  });
  const latenciesMs: number[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const lease = await allocator.allocatePort(benchApp(`worker-${worker}-app-${i}`));
    latenciesMs.push(performance.now() - started);
    ports.push(lease.port);
  }
  process.send?.({ latenciesMs, ports } satisfies WorkerResult);
  process.disconnect?.();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  process.disconnect?.();
});
