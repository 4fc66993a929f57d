import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { classifyEngineFailure } from '../../src/core/engine/engineFailure';
import { parseDockerLabels, parseDockerPorts, parseDockerPs, parsePodmanPs } from '../../src/core/engine/parseContainerList';
import { parseEngineEvent } from '../../src/core/engine/parseEvent';
import { parseInspect } from '../../src/core/engine/parseInspect';
import { portUsageFrom } from '../../src/core/engine/portUsage';

// Compiled tests run from out/test/unit; fixtures stay in the source tree.
const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

describe('engine output parsers (recorded fixtures)', () => {
  describe('podman 4.3 ps (recorded)', () => {
    it('reads typed ports, labels and states from the JSON array', () => {
      const list = parsePodmanPs(fixture('podman-4.3/ps-labelled.json'));
      assert.equal(list.length, 2);
      const web = list.find((c) => c.name === 'preview-web-aaaa1111');
      assert.ok(web);
      assert.equal(web.running, true);
      assert.deepEqual(web.ports, [{ hostIp: '127.0.0.1', hostPort: 32100, containerPort: 3000, protocol: 'tcp' }]);
      assert.equal(web.labels['previewContainers.port'], '32100');
      const api = list.find((c) => c.name === 'preview-api-bbbb2222');
      assert.equal(api?.running, false);
      assert.equal(api?.exitCode, 143);
    });

    it('reads the unfiltered list and an empty one', () => {
      assert.equal(parsePodmanPs(fixture('podman-4.3/ps-all.json')).length, 3);
      assert.deepEqual(parsePodmanPs(''), []);
      assert.deepEqual(parsePodmanPs('[]'), []);
      assert.throws(() => parsePodmanPs('{"not":"a list"}'), /Could not read the container engine's container list output/);
    });
  });

  describe('docker ps (one object per line, string fields)', () => {
    it('reads names, labels, states and port strings', () => {
      const list = parseDockerPs(fixture('docker/ps.jsonl'));
      assert.equal(list.length, 3);
      assert.deepEqual(list[0]?.ports, [{ hostIp: '127.0.0.1', hostPort: 32100, containerPort: 3000, protocol: 'tcp' }]);
      assert.equal(list[0]?.labels['previewContainers.path'], '/ws/apps/web');
      assert.equal(list[1]?.running, false);
      assert.equal(list[1]?.exitCode, 143);
      assert.deepEqual(
        list[2]?.ports.map((p) => [p.hostIp, p.hostPort, p.containerPort]),
        [
          ['0.0.0.0', 32102, 80],
          ['::', 32102, 80],
        ],
      );
    });

    it('parses port ranges, IPv6 and unpublished entries', () => {
      assert.deepEqual(parseDockerPorts('127.0.0.1:8000-8001->9000-9001/tcp').map((p) => [p.hostPort, p.containerPort]), [
        [8000, 9000],
        [8001, 9001],
      ]);
      assert.deepEqual(parseDockerPorts('[::1]:5000->5000/udp')[0], { hostIp: '::1', hostPort: 5000, containerPort: 5000, protocol: 'udp' });
      assert.deepEqual(parseDockerPorts('443/tcp, '), []);
      assert.deepEqual(parseDockerPorts(undefined), []);
    });

    it('parses labels whose values contain "="', () => {
      assert.deepEqual(parseDockerLabels('a=1,b=x=y,broken'), { a: '1', b: 'x=y' });
    });
  });

  describe('events in three dialects', () => {
    it('podman 4.3 (recorded): RFC 3339 Time, labels under Attributes, exit code on died', () => {
      const events = fixture('podman-4.3/events.jsonl').split('\n').map(parseEngineEvent).filter((e) => e !== undefined);
      assert.ok(events.length >= 10);
      const actions = events.map((e) => e.action);
      assert.ok(actions.includes('start') && actions.includes('die') && actions.includes('remove'));
      const died = events.find((e) => e.action === 'die');
      assert.equal(died?.exitCode, 143);
      assert.equal(died?.labels['previewContainers.app'], 'apps-api');
      assert.ok(Math.abs((died?.time ?? 0) - (Date.parse('2026-11-27T10:53:53.282Z') + 0.093546)) < 1e-3, String(died?.time));
    });

    it('podman 5: Unix time and timeNano', () => {
      const [start, died] = fixture('podman-5/events.jsonl').split('\n').map(parseEngineEvent);
      assert.equal(start?.action, 'start');
      assert.ok(Math.abs((start?.time ?? 0) - 1795776831271.561) < 1e-3, String(start?.time));
      assert.equal(died?.exitCode, 143);
    });

    it('docker: Action, Actor.Attributes (labels without name/image/exitCode), destroy = remove', () => {
      const events = fixture('docker/events.jsonl').split('\n').map(parseEngineEvent).filter((e) => e !== undefined);
      assert.deepEqual(events.map((e) => e.action), ['start', 'die', 'remove']);
      assert.equal(events[0]?.name, 'preview-apps-web-1a2b3c4d');
      assert.equal(events[0]?.labels.name, undefined);
      assert.equal(events[0]?.labels['previewContainers.port'], '32100');
      assert.equal(events[1]?.exitCode, 143);
    });

    it('ignores garbage, blank lines and non-container events', () => {
      for (const line of ['', 'not json', '{}', '{"Type":"image","Action":"pull","Actor":{"ID":"x"}}', '[1,2]']) {
        assert.equal(parseEngineEvent(line), undefined, line);
      }
    });
  });

  describe('inspect (recorded podman 4.3)', () => {
    it('reads state, times, labels, ports and mounts', () => {
      const [running] = parseInspect(fixture('podman-4.3/inspect-running.json'));
      assert.equal(running?.running, true);
      assert.equal(running?.name, 'preview-web-aaaa1111');
      assert.equal(running?.image, 'localhost/preview-node:test');
      assert.deepEqual(running?.ports.map((p) => [p.hostIp, p.hostPort]), [['127.0.0.1', 32100]]);
      assert.deepEqual(running?.mountSources, ['/tmp/app1']);
      assert.equal(running?.privileged, false);
      const [exited] = parseInspect(fixture('podman-4.3/inspect-exited.json'));
      assert.equal(exited?.running, false);
      assert.equal(exited?.exitCode, 143);
      assert.ok(exited?.finishedAt && exited.startedAt && exited.finishedAt > exited.startedAt);
    });
  });

  it('portUsageFrom: running containers publish, our stopped ones keep their labelled port', () => {
    const labelled = parsePodmanPs(fixture('podman-4.3/ps-labelled.json')).map((c) => ({
      ...c,
      labels: { ...c.labels, 'previewContainers.managed': 'true' },
    }));
    const usage = portUsageFrom(labelled);
    assert.deepEqual(usage.get(32100), { ownerKey: '/ws/apps/web', publishing: true });
    assert.deepEqual(usage.get(32101), { ownerKey: '/ws/apps/api', publishing: false });
    const foreign = portUsageFrom(parseDockerPs(fixture('docker/ps.jsonl')).filter((c) => c.name === 'foreign-nginx'));
    assert.deepEqual(foreign.get(32102), { ownerKey: undefined, publishing: true });
  });

  describe('failure classification (recorded stderr)', () => {
    const cases: [string, string, number | undefined][] = [
      ['podman-4.3/run-port-conflict.stderr', 'portConflict', 32160],
      ['docker/run-port-conflict.stderr', 'portConflict', 32100],
      ['podman-4.3/run-name-in-use.stderr', 'nameInUse', undefined],
      ['docker/run-name-in-use.stderr', 'nameInUse', undefined],
      ['podman-4.3/run-image-missing-pull-never.stderr', 'imageMissing', undefined],
      ['docker/run-image-missing-pull-never.stderr', 'imageMissing', undefined],
      ['podman-4.3/run-oci-runtime-error.stderr', 'runtime', undefined],
      ['podman-4.3/pull-unreachable.stderr', 'pullFailed', undefined],
      ['docker/info-no-daemon.stderr', 'engineDown', undefined],
    ];
    for (const [file, kind, port] of cases) {
      it(`${file} → ${kind}`, () => {
        const failure = classifyEngineFailure(fixture(file));
        assert.equal(failure.kind, kind);
        assert.equal(failure.port, port);
      });
    }
    it('recognises the seed system’s own message', () => {
      assert.equal(classifyEngineFailure('Error: proxy already running').kind, 'portConflict');
      assert.equal(classifyEngineFailure('listen EADDRINUSE: address already in use :::32100').kind, 'portConflict');
    });
  });
});
