import * as assert from 'node:assert/strict';
import { describeDiagnosis, ListenWatch, parseProcNetTcp } from '../../src/core/listeners';
import { causeLine } from '../../src/core/logCause';

// Recorded from containers here: `cat /proc/net/tcp /proc/net/tcp6` (header lines included).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1068 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 124 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1068 0100007F:B2A6 01 00000000:00000000 00:00000000 00000000     0        0 125 1 0000000000000000 20 4 30 10 -1`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 126 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 127 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 128 1 0000000000000000 100 0 0 10 0`;

describe('where an app really listens (/proc/net/tcp, tcp6)', () => {
  it('parses listening sockets only, IPv4 and IPv6 (mapped IPv4 as IPv4)', () => {
    assert.deepEqual(parseProcNetTcp(`${TCP}\n${TCP6}`), [
      { address: '0.0.0.0', port: 3000 },
      { address: '127.0.0.1', port: 4200 },
      { address: '::', port: 8080 },
      { address: '::1', port: 8081 },
      { address: '127.0.0.1', port: 8082 },
    ]);
    assert.deepEqual(parseProcNetTcp('garbage\n\n'), []);
  });

  it('the published port on a reachable address settles it; loopback only there is definitive once stable', () => {
    const watch = new ListenWatch(3000);
    assert.equal(watch.observe([{ address: '127.0.0.1', port: 3000 }], 0).kind, 'fine', 'not stable yet');
    const d = watch.observe([{ address: '127.0.0.1', port: 3000 }], 600);
    assert.deepEqual(d, { kind: 'loopbackOnly', listener: { address: '127.0.0.1', port: 3000 } });
    assert.equal(new ListenWatch(3000).observe([{ address: '::', port: 3000 }], 0).kind, 'fine');
  });

  it('another port, once stable, reachable ones first; a socket that goes away starts over', () => {
    const watch = new ListenWatch(3000);
    watch.observe([{ address: '127.0.0.1', port: 9229 }, { address: '0.0.0.0', port: 8080 }], 0);
    assert.deepEqual(watch.observe([{ address: '127.0.0.1', port: 9229 }, { address: '0.0.0.0', port: 8080 }], 500), { kind: 'otherPort', listener: { address: '0.0.0.0', port: 8080 } });
    watch.observe([], 600);
    assert.equal(watch.observe([{ address: '0.0.0.0', port: 8080 }], 700).kind, 'fine', 'seen again: not stable yet');
  });

  it('names the address, the port and the fix', () => {
    assert.match(describeDiagnosis('web', 3000, { kind: 'otherPort', listener: { address: '0.0.0.0', port: 8080 } }), /web listens on 0\.0\.0\.0:8080 inside its container, not on container port 3000.*Use port 8080/);
    assert.match(describeDiagnosis('web', 3000, { kind: 'loopbackOnly', listener: { address: '::1', port: 3000 } }), /\[::1\]:3000 .*loopback only.*0\.0\.0\.0/);
  });
});

describe('the line of a failed start that names the cause', () => {
  it('finds it among npm noise and stack frames', () => {
    assert.equal(
      causeLine(['> app@1.0.0 start', 'node:internal/modules/cjs/loader:1228', '  throw err;', 'Error: Cannot find module \'/app/server.js\'', '    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)', 'Node.js v20.20.2']),
      "Error: Cannot find module '/app/server.js'",
    );
    assert.equal(causeLine(['npm error code ETARGET', 'npm error notarget No matching version found for vite@^99.0.0.', 'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log']), 'npm error notarget No matching version found for vite@^99.0.0.');
    assert.equal(causeLine(['Progress: resolved 1', ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile"', 'Note that…']), 'ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile"');
    assert.equal(causeLine(['listening…', 'Error: listen EADDRINUSE: address already in use :::3000']), 'Error: listen EADDRINUSE: address already in use :::3000');
    assert.equal(causeLine(['\u001b[31merror\u001b[39m Something broke']), 'error Something broke');
    assert.equal(causeLine(['all fine', 'bye']), undefined);
  });
});
