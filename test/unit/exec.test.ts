import * as assert from 'node:assert/strict';
import { execaExec, execaStream } from '../../src/core/engine/exec';

/** `node -e <script>`: a child process that behaves exactly as a test needs. */
const node = (script: string): [string, string[]] => [process.execPath, ['-e', script]];

describe('execaExec / execaStream (engine CLI processes)', function () {
  this.timeout(10_000);

  it('collects stdout and stderr without the final newline, with the exit code and LC_ALL=C', async () => {
    const result = await execaExec(...node('console.log("out " + process.env.LC_ALL); console.error("err"); process.exit(3)'));
    assert.equal(result.stdout, 'out C');
    assert.equal(result.stderr, 'err');
    assert.equal(result.all, '', 'interleaved output only when asked for');
    assert.equal(result.exitCode, 3);
    assert.equal(result.spawnError, undefined);
    assert.equal(result.timedOut, false);
    assert.equal(result.cancelled, false);
  });

  it('interleaves both streams in `all` in the order they were written', async () => {
    const script = 'process.stdout.write("1\\n"); setTimeout(() => { process.stderr.write("2\\n"); setTimeout(() => process.stdout.write("3\\n"), 30); }, 30);';
    const result = await execaExec(...node(script), { all: true });
    assert.equal(result.all, '1\n2\n3');
  });

  it('keeps the inherited environment (PATH) besides LC_ALL', async () => {
    const result = await execaExec(...node('console.log(process.env.PATH === ' + JSON.stringify(process.env.PATH) + ')'));
    assert.equal(result.stdout, 'true');
  });

  it('a missing program is a spawn error (ENOENT), not an exit code', async () => {
    const result = await execaExec('/opt/nowhere/podman', ['info']);
    assert.equal(result.spawnError, 'ENOENT');
    assert.equal(result.exitCode, undefined);
  });

  it('times out: the process is ended and the result says so', async () => {
    const started = Date.now();
    const result = await execaExec(...node('setTimeout(() => {}, 20000)'), { timeoutMs: 200 });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, undefined);
    assert.equal(result.spawnError, undefined);
    assert.ok(Date.now() - started < 5000);
  });

  it('a process that ignores SIGTERM is killed after the grace period', async () => {
    const script = 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)';
    const abort = new AbortController();
    const started = Date.now();
    const running = execaStream(...node(script), () => abort.abort(), { signal: abort.signal });
    const result = await running;
    assert.equal(result.cancelled, true);
    assert.ok(Date.now() - started >= 1900, 'SIGKILL only after the grace period');
  });

  it('cancels: an aborted signal ends the process; an already aborted one starts nothing', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const result = await execaExec(...node('setTimeout(() => {}, 20000)'), { signal: abort.signal });
    assert.equal(result.cancelled, true);
    assert.equal(result.spawnError, undefined);
    const again = await execaExec(...node('console.log("ran")'), { signal: abort.signal });
    assert.equal(again.cancelled, true);
    assert.equal(again.stdout, '');
  });

  it('streams lines as they come, across chunk boundaries and CRLF, keeping stderr to explain an end', async () => {
    const script = 'process.stdout.write("a\\r\\nb"); setTimeout(() => { process.stdout.write("c\\nd"); console.error("bye"); }, 30);';
    const lines: string[] = [];
    const result = await execaStream(...node(script), (line) => lines.push(line), { signal: new AbortController().signal });
    assert.deepEqual(lines, ['a', 'bc', 'd']);
    assert.equal(result.stdout, '', 'streamed output is not kept');
    assert.equal(result.stderr, 'bye');
    assert.equal(result.exitCode, 0);
  });

  it("streams both outputs with from: 'all'", async () => {
    const lines: string[] = [];
    await execaStream(...node('console.log("out"); setTimeout(() => console.error("err"), 30)'), (line) => lines.push(line), { signal: new AbortController().signal, from: 'all' });
    assert.deepEqual(lines, ['out', 'err']);
  });
});
