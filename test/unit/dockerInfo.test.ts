import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CliEngine } from '../../src/core/engine/cliEngine';
import type { Exec, ExecResult } from '../../src/core/engine/exec';
import { EngineNotRespondingError } from '../../src/core/errors';
import { silentLogger } from '../../src/core/logger';

const DIR = path.resolve(__dirname, '../../../test/fixtures/docker-20.10');
const fixture = (name: string): string => readFileSync(path.join(DIR, name), 'utf8').trimEnd();

const result = (stdout: string): ExecResult => ({ stdout, stderr: '', all: '', exitCode: 0, spawnError: undefined, timedOut: false, cancelled: false });

/**
 * Debian's docker 20.10 client, replayed from its recorded output: `info --format json` prints
 * the word "json" (the shortcut came with the 23.0 client), and `info` exits 0 even without a
 * daemon, with the failure under ServerErrors.
 */
function debianClient(daemon: 'up' | 'down'): Exec {
  return async (_file, args) => {
    const format = args[args.indexOf('--format') + 1];
    if (args[0] !== 'info' || format === undefined) {
      throw new Error(`unexpected call: ${args.join(' ')}`);
    }
    if (format === 'json') {
      return result(fixture('info-format-json.stdout'));
    }
    assert.equal(format, '{{json .}}');
    return result(fixture(daemon === 'up' ? 'info.json' : 'info-no-daemon.stdout'));
  };
}

const engine = (exec: Exec): CliEngine => new CliEngine({ kind: 'docker', binary: '/usr/bin/docker', exec, stream: () => Promise.reject(new Error('no stream')), logger: silentLogger });

describe('CliEngine.info with docker 20.10’s client (recorded output)', () => {
  it('reads the server version', async () => {
    assert.deepEqual(await engine(debianClient('up')).info(), { kind: 'docker', version: '20.10.24+dfsg1' });
  });

  it('a daemon that does not answer is "not answering", although the client exits 0', async () => {
    await assert.rejects(engine(debianClient('down')).info(), (error: unknown) => {
      assert.ok(error instanceof EngineNotRespondingError, String(error));
      assert.match(error.message, /^docker is installed but its engine is not answering: Cannot connect to the Docker daemon at unix:\/\/\/tmp\/pc-docker-fixtures\/no-daemon\.sock/);
      return true;
    });
  });
});
