/**
 * Child process: one "window" allocating `STALL_COUNT` ports through the shared lock and journal
 * in `STALL_DIR`. With `STALL_AT=i`, the probe of its i-th allocation — inside the critical
 * section, holding the lock — writes `<name>.inlock` and waits for `<name>.resume`: the test
 * SIGSTOPs it there, past the stale time, while another window allocates.
 */
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FileLeaseJournal } from '../../src/core/fileLeaseJournal';
import { FileLock } from '../../src/core/interProcessLock';
import type { PortProbe } from '../../src/core/portProbe';
import { benchApp, makeBenchAllocator, SMALL } from '../../bench/allocatorSetup';
import { RecordingLogger } from '../unit/helpers';

export interface StallResult {
  readonly ports: Record<string, number>;
  readonly warnings: string[];
}

async function main(): Promise<void> {
  const dir = process.env.STALL_DIR ?? '';
  const name = process.env.STALL_NAME ?? 'w';
  const count = Number(process.env.STALL_COUNT ?? '5');
  const stallAt = Number(process.env.STALL_AT ?? '-1');
  let current = -1;
  let stalled = false;
  const probe: PortProbe = {
    isFree: async () => {
      if (current === stallAt && !stalled) {
        stalled = true;
        writeFileSync(path.join(dir, `${name}.inlock`), String(process.pid));
        while (!existsSync(path.join(dir, `${name}.resume`))) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      return true;
    },
  };
  const logger = new RecordingLogger();
  const lock = new FileLock(dir, logger, Number(process.env.STALL_STALE_MS ?? '1000'));
  const allocator = makeBenchAllocator({ scale: SMALL, probe, lock, journal: new FileLeaseJournal(dir, Date.now, logger) });
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.('ready');
  });
  const ports: Record<string, number> = {};
  for (current = 0; current < count; current++) {
    const app = benchApp(`${name}-app-${current}`);
    ports[app.key] = (await allocator.allocatePort(app)).port;
  }
  process.send?.({ ports, warnings: logger.lines.filter((l) => l.level === 'warn').map((l) => l.message) } satisfies StallResult);
  process.disconnect?.();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  process.disconnect?.();
});
