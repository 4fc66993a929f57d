import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { alive, descendantsOf, type ProcessInfo } from './descendants';

const HOST_SCRIPT = path.join(__dirname, 'streamHost.js');

/**
 * Starts the stand-in host (streamHost.ts) in `mode`, waits until `expected(children)` holds for
 * its descendants, kills it with SIGKILL, and returns the descendants recorded before the kill
 * that are still alive after `graceMs` (the test wants none). Every process it started, and any
 * descendant left, is killed by pid before it returns.
 */
export async function killHostAndList(args: readonly string[], expected: (children: readonly ProcessInfo[]) => boolean, graceMs = 10_000): Promise<{ before: ProcessInfo[]; left: ProcessInfo[] }> {
  const host = spawn(process.execPath, [HOST_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let before: ProcessInfo[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      host.stdout.setEncoding('utf8').on('data', (text: string) => text.includes('started') && resolve());
      host.once('exit', (code) => reject(new Error(`the stand-in host exited early (${code})`)));
    });
    for (let i = 0; i < 200 && !expected(before); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      before = await descendantsOf(host.pid!);
    }
    if (!expected(before)) {
      throw new Error(`the stand-in host did not start its children: ${JSON.stringify(before)}`);
    }
    const exited = new Promise((resolve) => host.once('exit', resolve));
    host.kill('SIGKILL');
    await exited;
    let left = before;
    for (let waited = 0; waited < graceMs && left.length > 0; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = (await Promise.all(before.map(async (p) => ((await alive(p.pid)) ? p : undefined)))).filter((p): p is ProcessInfo => p !== undefined);
    }
    return { before, left };
  } finally {
    if (host.exitCode === null && host.signalCode === null) {
      host.kill('SIGKILL');
    }
    for (const p of before) {
      if (await alive(p.pid)) {
        process.kill(p.pid, 'SIGKILL');
      }
    }
  }
}
