/**
 * A stand-in extension host for the "host killed with -9" tests: it starts long-lived children the
 * way the extension does and then just lives, until the test kills it. argv[2]:
 * - `engine <containerId>`: a real podman's event stream, `logs -f` and `wait` of that container
 *   (through CliEngine, as the product calls them);
 * - `plain`: a stream of `sleep` and a `wait`-like exec of `sleep` (no engine needed).
 * It prints `started` once every call is under way.
 */
import { CliEngine } from '../../src/core/engine/cliEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import type { Logger } from '../../src/core/logger';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function main(): void {
  const [mode, id] = process.argv.slice(2);
  const signal = new AbortController().signal;
  if (mode === 'engine' && id) {
    const engine = new CliEngine({ kind: 'podman', binary: 'podman', exec: execaExec, stream: execaStream, logger: silent });
    void engine.events(() => undefined, signal);
    void engine.followLogs(id, () => undefined, signal);
    void engine.wait(id, signal);
  } else {
    void execaStream('sleep', ['3600'], () => undefined, { signal });
    void execaExec('sleep', ['3600'], { signal, endsWithHost: true });
  }
  process.stdout.write('started\n');
  setInterval(() => undefined, 60_000);
}

main();
