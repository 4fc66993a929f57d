import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDockerContexts } from '../../src/core/engine/connections';
import { classifyEngineFailure } from '../../src/core/engine/engineFailure';
import { isOurs, labelledPort } from '../../src/core/engine/labels';
import { parseDockerPs } from '../../src/core/engine/parseContainerList';
import { parseEngineEvent } from '../../src/core/engine/parseEvent';
import { parseInspect } from '../../src/core/engine/parseInspect';
import { portUsageFrom } from '../../src/core/engine/portUsage';
import type { EngineEvent } from '../../src/core/engine/types';

// Compiled tests run from out/test/unit; fixtures stay in the source tree.
const DIR = path.resolve(__dirname, '../../../test/fixtures/docker-20.10');
const fixture = (name: string): string => readFileSync(path.join(DIR, name), 'utf8');

const WEB = '/tmp/pc-docker-fixtures/apps/web';
const CRASH = '/tmp/pc-docker-fixtures/apps/crash';

describe('docker 20.10 output (recorded from a real dockerd, scripts/recordDockerFixtures.ts)', () => {
  describe('ps --all --no-trunc --format {{json .}}', () => {
    const list = parseDockerPs(fixture('ps-all.jsonl'));
    const byName = new Map(list.map((c) => [c.name, c]));

    it('reads our running app: full id, name, image, labels and its loopback port', () => {
      assert.equal(list.length, 3);
      const web = byName.get('preview-web-ddbf6254');
      assert.ok(web);
      assert.match(web.id, /^[0-9a-f]{64}$/);
      assert.equal(web.image, 'localhost/preview-node:test');
      assert.equal(web.state, 'running');
      assert.equal(web.running, true);
      assert.equal(web.exitCode, undefined);
      assert.deepEqual(web.ports, [{ hostIp: '127.0.0.1', hostPort: 36600, containerPort: 3000, protocol: 'tcp' }]);
      assert.equal(isOurs(web.labels), true);
      assert.equal(web.labels['previewContainers.path'], WEB);
      assert.equal(web.labels['previewContainers.app'], 'apps-web');
      assert.equal(labelledPort(web.labels), 36600);
      // Docker lists the image's labels among the container's.
      assert.equal(web.labels['preview.stamp'], 'v20.20.2/3');
    });

    it('reads our exited app: exit code from the status text, no ports (docker lists none once stopped)', () => {
      const crash = byName.get('preview-crash-71b4f12d');
      assert.equal(crash?.state, 'exited');
      assert.equal(crash?.running, false);
      assert.equal(crash?.exitCode, 3);
      assert.deepEqual(crash?.ports, []);
      assert.equal(crash?.labels['previewContainers.path'], CRASH);
      assert.equal(crash?.startedAt, undefined, 'docker ps gives no start time');
    });

    it('port usage: our running app publishes, our exited one keeps its labelled port, a foreign container publishes without owner', () => {
      const usage = portUsageFrom(list);
      assert.deepEqual(usage.get(36600), { ownerKey: WEB, publishing: true });
      assert.deepEqual(usage.get(36601), { ownerKey: CRASH, publishing: false });
      assert.deepEqual(usage.get(36602), { ownerKey: undefined, publishing: true });
      assert.equal(isOurs(byName.get('foreign-server')?.labels ?? {}), false);
    });

    it('the label filter (key=value, as CliEngine passes it) lists ours only', () => {
      const ours = parseDockerPs(fixture('ps-labelled.jsonl'));
      assert.deepEqual(ours.map((c) => c.name).sort(), ['preview-crash-71b4f12d', 'preview-web-ddbf6254']);
    });
  });

  describe('inspect --type container', () => {
    it('running: name without the leading slash, image name (not its id), live port, one mount, times', () => {
      const [web] = parseInspect(fixture('inspect-running.json'));
      assert.equal(web?.name, 'preview-web-ddbf6254');
      assert.equal(web?.image, 'localhost/preview-node:test');
      assert.equal(web?.running, true);
      assert.equal(web?.exitCode, undefined);
      assert.deepEqual(web?.ports.map((p) => [p.hostIp, p.hostPort, p.containerPort]), [['127.0.0.1', 36600, 3000]]);
      assert.deepEqual(web?.mountSources, [WEB]);
      assert.equal(web?.privileged, false);
      assert.equal(web?.startedAt, Date.parse('2026-12-01T09:49:11.912Z'));
      assert.equal(web?.finishedAt, undefined, "Go's zero time");
      assert.equal(web?.error, undefined);
      assert.equal(web?.labels['previewContainers.port'], '36600');
    });

    it('exited: exit code, finished after started, the configured port (docker clears the live ones)', () => {
      const [crash] = parseInspect(fixture('inspect-exited.json'));
      assert.equal(crash?.state, 'exited');
      assert.equal(crash?.running, false);
      assert.equal(crash?.exitCode, 3);
      assert.ok(crash?.startedAt && crash.finishedAt && crash.finishedAt > crash.startedAt);
      assert.deepEqual(crash?.ports.map((p) => p.hostPort), [36601]);
      const raw = JSON.parse(fixture('inspect-exited.json')) as [{ HostConfig: { Init: boolean; SecurityOpt: string[] } }];
      assert.equal(raw[0].HostConfig.Init, true, '--init');
      assert.deepEqual(raw[0].HostConfig.SecurityOpt, ['no-new-privileges']);
    });
  });

  describe('events --format {{json .}} --filter label=previewContainers.managed=true', () => {
    const events = fixture('events.jsonl')
      .split('\n')
      .map(parseEngineEvent)
      .filter((e): e is EngineEvent => e !== undefined);
    const of = (name: string): EngineEvent[] => events.filter((e) => e.name === name);

    it('create, start, kill, die, stop, destroy for a stopped and removed app; exit codes on die', () => {
      assert.deepEqual(of('preview-web-ddbf6254').map((e) => e.rawAction), ['create', 'start', 'kill', 'die', 'stop', 'destroy']);
      assert.deepEqual(of('preview-web-ddbf6254').map((e) => e.action), ['create', 'start', 'other', 'die', 'stop', 'remove']);
      assert.deepEqual(of('preview-crash-71b4f12d').map((e) => e.action), ['create', 'start', 'die', 'remove']);
      assert.equal(of('preview-crash-71b4f12d').find((e) => e.action === 'die')?.exitCode, 3);
      assert.equal(of('preview-web-ddbf6254').find((e) => e.action === 'die')?.exitCode, 0);
    });

    it('our labels, without docker’s own attributes; only our containers; times from timeNano', () => {
      assert.equal(events.length, 10);
      for (const event of events) {
        assert.ok(isOurs(event.labels), event.name);
        assert.match(event.id, /^[0-9a-f]{64}$/);
        for (const attribute of ['name', 'image', 'exitCode', 'signal']) {
          assert.equal(event.labels[attribute], undefined, attribute);
        }
      }
      assert.equal(of('preview-crash-71b4f12d')[0]?.labels['previewContainers.path'], CRASH);
      const [first] = events;
      assert.ok(first && Math.abs(first.time - 1796118551569.197) < 0.01, String(first?.time));
      assert.deepEqual(events.map((e) => e.time), [...events.map((e) => e.time)].sort((a, b) => a - b), 'in order');
    });
  });

  describe('run refusals (stderr)', () => {
    const cases: [string, string, number | undefined][] = [
      ['run-port-conflict.stderr', 'portConflict', 36602],
      ['run-port-host-listener.stderr', 'portConflict', 36603],
      ['run-name-in-use.stderr', 'nameInUse', undefined],
      ['run-image-missing-pull-never.stderr', 'imageMissing', undefined],
    ];
    for (const [file, kind, port] of cases) {
      it(`${file} → ${kind}${port ? ` on ${port}` : ''}`, () => {
        assert.deepEqual(classifyEngineFailure(fixture(file)), port === undefined ? { kind } : { kind, port });
      });
    }
  });

  it('context ls --format {{json .}}: the default (DOCKER_HOST) context is local and current; an ssh one is remote', () => {
    const contexts = parseDockerContexts(fixture('context-ls.jsonl'));
    assert.deepEqual(
      contexts.map((c) => [c.name, c.host, c.isDefault, c.uri.split('://')[0]]),
      [
        ['default', undefined, true, 'unix'],
        ['pc-fixture', 'build-box.example', false, 'ssh'],
      ],
    );
  });
});
