import * as assert from 'node:assert/strict';
import { eventsArgs, imageExistsArgs, inspectImageArgs, listArgs, listImagesArgs, logsArgs, removeArgs, removeImageArgs, stopArgs } from '../../src/core/engine/engineArgs';

describe('engine argv, per verb and engine', () => {
  it('lists as each engine prints JSON: podman one typed array, docker one object per line, untruncated', () => {
    assert.deepEqual(listArgs('podman', { all: true, ours: true }), ['ps', '-a', '--filter', 'label=previewContainers.managed=true', '--format', 'json']);
    assert.deepEqual(listArgs('docker', { all: false, ours: false }), ['ps', '--no-trunc', '--format', '{{json .}}']);
  });

  it('removes at once (podman: a short stop timeout; docker kills on -f anyway)', () => {
    assert.deepEqual(removeArgs('podman', 'c', true), ['rm', '-f', '-t', '2', 'c']);
    assert.deepEqual(removeArgs('docker', 'c', true), ['rm', '-f', 'c']);
    assert.deepEqual(removeArgs('podman', 'c', false), ['rm', 'c']);
  });

  it('filters events on a label with a value (podman 4.3 ignores key-only filters)', () => {
    assert.deepEqual(eventsArgs('podman'), ['events', '--format', 'json', '--filter', 'type=container', '--filter', 'label=previewContainers.managed=true']);
    assert.deepEqual(eventsArgs('docker').slice(0, 3), ['events', '--format', '{{json .}}']);
  });

  it('stop, logs, image checks', () => {
    assert.deepEqual(stopArgs('c', 5), ['stop', '-t', '5', 'c']);
    assert.deepEqual(logsArgs('c', 30), ['logs', '--tail', '30', 'c']);
    assert.deepEqual(logsArgs('c', 500, true), ['logs', '--follow', '--tail', '500', 'c']);
    assert.deepEqual(imageExistsArgs('podman', 'i'), ['image', 'exists', 'i']);
    assert.deepEqual(imageExistsArgs('docker', 'i'), ['image', 'inspect', '--format', '{{.Id}}', 'i']);
  });

  it('images: remove (never forced), inspect, list by label in each engine’s JSON', () => {
    assert.deepEqual(removeImageArgs('localhost/preview-containers/api:0123456789ab'), ['rmi', 'localhost/preview-containers/api:0123456789ab']);
    assert.deepEqual(inspectImageArgs('i'), ['image', 'inspect', 'i']);
    const label = { key: 'previewContainers.builtFor', value: '/ws/api' };
    assert.deepEqual(listImagesArgs('podman', label), ['images', '--filter', 'label=previewContainers.builtFor=/ws/api', '--format', 'json']);
    assert.deepEqual(listImagesArgs('docker', label), ['images', '--no-trunc', '--filter', 'label=previewContainers.builtFor=/ws/api', '--format', '{{json .}}']);
  });
});
