import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BuildOutput, type BuildFailure, type BuildStep } from '../../src/core/engine/buildOutput';
import { buildBuildArgv, type BuildSpec } from '../../src/core/engine/buildArgv';
import { BuildSpecError } from '../../src/core/engine/engineErrors';
import { parseDockerImages, parseImageInspect, parsePodmanImages } from '../../src/core/engine/images';
import type { EngineKind } from '../../src/core/engine/types';

// Compiled tests run from out/test/unit; fixtures stay in the source tree.
const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');

function read(kind: EngineKind, name: string): { output: BuildOutput; steps: BuildStep[] } {
  const output = new BuildOutput(kind);
  const steps: BuildStep[] = [];
  const text = readFileSync(path.join(FIXTURES, name), 'utf8');
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const step = output.push(line);
    if (step) {
      steps.push(step);
    }
  }
  return { output, steps };
}

const stepFailure = (failure: BuildFailure): Extract<BuildFailure, { kind: 'step' }> => {
  if (failure.kind !== 'step') {
    assert.fail(`not a step failure: ${JSON.stringify(failure)}`);
  }
  return failure;
};

describe('build output: podman 4.3 (recorded)', () => {
  it('reports each step as it starts, and the layers the build committed', () => {
    const { output, steps } = read('podman', 'podman-4.3/build-first.txt');
    assert.deepEqual(steps.map((s) => `${s.position} ${s.instruction}`), [
      '1/7 FROM localhost/preview-python:test',
      '2/7 WORKDIR /srv',
      '3/7 COPY server.py ./',
      '4/7 COPY static/ ./static/',
      '5/7 RUN python3 -c "import platform; open(\'/srv/built-with.txt\', \'w\').write(platform.python_version())"',
      '6/7 EXPOSE 8000',
      '7/7 CMD ["python3", "server.py"]',
    ]);
    assert.deepEqual(output.createdLayers(), ['e872d5df92a', '10097a62896', 'f13a931cce5', 'faab814113d', 'aa7540105fb', '9a4f5999171']);
  });

  it('a fully cached build created no layer', () => {
    assert.deepEqual(read('podman', 'podman-4.3/build-cached.txt').output.createdLayers(), []);
  });

  it('a failing RUN step: the step, the engine’s verdict and what the step printed (stdout and stderr)', () => {
    const failure = stepFailure(read('podman', 'podman-4.3/build-run-fails.txt').output.failure());
    assert.equal(failure.step.position, '4/6');
    assert.equal(failure.step.instruction, 'RUN python3 -c "import sys; print(\\"installing deps\\"); sys.exit(\\"pip: could not find a version that satisfies flask==99\\")"');
    assert.equal(failure.detail, 'while running runtime: exit status 1');
    assert.deepEqual(failure.output, ['installing deps', 'pip: could not find a version that satisfies flask==99']);
  });

  it('multi-stage: the stage is part of the position', () => {
    const { output } = read('podman', 'podman-4.3/build-multistage-run-fails.txt');
    const failure = stepFailure(output.failure());
    assert.equal(failure.step.position, '[2/2] 4/5');
    assert.equal(failure.step.instruction, 'RUN echo "tests failed: 2 of 10" >&2; exit 3');
    assert.equal(failure.detail, 'while running runtime: exit status 3');
    assert.deepEqual(failure.output, ['tests failed: 2 of 10']);
    assert.deepEqual(output.createdLayers(), ['2d757ce2667', '348c6ae6510', '9c128d9dd88']);
  });

  it('a missing base image under --pull=never, and one that cannot be pulled', () => {
    assert.deepEqual(read('podman', 'podman-4.3/build-base-missing-pull-never.txt').output.failure(), {
      kind: 'baseImageMissing',
      image: 'localhost/no-such-base:1.0',
      detail: 'creating build container: localhost/no-such-base:1.0: image not known',
    });
    const unreachable = read('podman', 'podman-4.3/build-base-unreachable-pull-missing.txt').output.failure();
    assert.equal(unreachable.kind, 'baseImageUnavailable');
    assert.equal(unreachable.kind === 'baseImageUnavailable' && unreachable.image, 'localhost/no-such-base:1.0');
    assert.match(unreachable.detail, /pinging container registry localhost: .*connection refused/);
  });

  it('a build whose step processes were killed (cancel): the step, "signal: killed", the layers to remove', () => {
    const run = read('podman', 'podman-4.3/build-cancel-run-killed.txt').output;
    const failure = stepFailure(run.failure());
    assert.equal(failure.step.instruction, 'RUN echo sleeping && sleep 60');
    assert.equal(failure.detail, 'while running runtime: signal: killed');
    assert.deepEqual(run.createdLayers(), ['ccb409345bb'], 'the cached WORKDIR layer was there before');
    const copy = stepFailure(read('podman', 'podman-4.3/build-cancel-copy-killed.txt').output.failure());
    assert.equal(copy.step.instruction, 'COPY . /srv/');
    assert.match(copy.detail, /^3 errors occurred: \* reading "\/tmp\/pcdf\/bigcopy": signal: killed/);
  });
});

describe('build output: docker 20.10 (recorded from dockerd 20.10.24)', () => {
  it('classic builder: steps, layers (never the base image’s id, never a cached one)', () => {
    const first = read('docker', 'docker-20.10/build-classic-first.txt');
    assert.deepEqual(first.steps.map((s) => s.position), ['1/7', '2/7', '3/7', '4/7', '5/7', '6/7', '7/7']);
    assert.equal(first.steps[1]?.instruction, 'WORKDIR /srv');
    assert.deepEqual(first.output.createdLayers(), ['d88c486e4a38', '9b1b60d9cf4a', '9e6964598f9c', '971e9c8792bb', 'e99863ffac1f', '7a4aea5a5ab6']);
    assert.deepEqual(read('docker', 'docker-20.10/build-classic-cached.txt').output.createdLayers(), []);
  });

  it('classic builder: a failing RUN step, its output without colour codes or container noise', () => {
    const failure = stepFailure(read('docker', 'docker-20.10/build-classic-run-fails.txt').output.failure());
    assert.equal(failure.step.position, '4/6');
    assert.match(failure.step.instruction, /^RUN python3 -c "import sys; print/);
    assert.equal(failure.detail, 'exit code 1');
    assert.deepEqual(failure.output, ['pip: could not find a version that satisfies flask==99', 'installing deps']);
  });

  it('the docker 28 client’s legacy builder (verdict on the line of the last output)', () => {
    const failure = stepFailure(read('docker', 'docker-20.10/build-legacy-client28-run-fails.txt').output.failure());
    assert.equal(failure.step.position, '4/6');
    assert.equal(failure.detail, 'exit code 1');
  });

  it('classic builder: a base image it cannot pull', () => {
    assert.deepEqual(read('docker', 'docker-20.10/build-classic-base-unreachable.txt').output.failure(), {
      kind: 'baseImageUnavailable',
      image: 'localhost/no-such-base:1.0',
      detail: 'Get "http://localhost/v2/": dial tcp 127.0.0.1:80: connect: connection refused',
    });
  });

  it('classic builder cancelled: the layers committed before the cancel', () => {
    assert.deepEqual(read('docker', 'docker-20.10/build-classic-cancelled.txt').output.createdLayers(), ['0919e8830b66']);
  });

  it('BuildKit: steps once each (headers repeat), a failing RUN with its output, the stage-less position', () => {
    const first = read('docker', 'docker-20.10/build-buildkit-first.txt');
    assert.deepEqual(first.steps.map((s) => `${s.position} ${s.instruction}`).slice(0, 3), ['1/5 FROM localhost/preview-python:test', '2/5 WORKDIR /srv', '3/5 COPY server.py ./']);
    assert.equal(first.steps.length, 5);
    const failure = stepFailure(read('docker', 'docker-20.10/build-buildkit-run-fails.txt').output.failure());
    assert.equal(failure.step.position, '4/4');
    assert.match(failure.step.instruction, /^RUN python3 -c/);
    assert.match(failure.detail, /^executor failed running \[\/bin\/sh -c python3 .*\]: exit code: 1$/);
    assert.deepEqual(failure.output, ['installing deps', 'pip: could not find a version that satisfies flask==99']);
  });

  it('BuildKit: a base image it cannot resolve', () => {
    const failure = read('docker', 'docker-20.10/build-buildkit-base-unreachable.txt').output.failure();
    assert.equal(failure.kind, 'baseImageUnavailable');
    assert.equal(failure.kind === 'baseImageUnavailable' && failure.image, 'localhost/no-such-base:1.0');
  });

  it('BuildKit (buildx, hand-written from its format): stage names in the position; "not found" is a missing image', () => {
    const output = new BuildOutput('docker');
    for (const line of [
      '#5 [build 2/3] RUN make',
      '#5 0.301 make: *** No rule to make target',
      '#5 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2',
      'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
    ]) {
      output.push(line);
    }
    const failure = stepFailure(output.failure());
    assert.equal(failure.step.position, 'build 2/3');
    assert.deepEqual(failure.output, ['make: *** No rule to make target']);
    const missing = new BuildOutput('docker');
    missing.push('#2 [internal] load metadata for docker.io/library/pyhton:3.12');
    missing.push('#2 ERROR: docker.io/library/pyhton:3.12: not found');
    assert.deepEqual(missing.failure(), { kind: 'baseImageMissing', image: 'docker.io/library/pyhton:3.12', detail: 'docker.io/library/pyhton:3.12: not found' });
  });
});

describe('buildBuildArgv', () => {
  const spec: BuildSpec = {
    tag: 'localhost/preview-containers/api:0123456789ab',
    dockerfile: '/ws/api/Dockerfile',
    context: '/ws/api',
    target: 'dev',
    buildArgs: { PYTHON: '3.12' },
    labels: { 'previewContainers.app': 'api' },
    pull: 'never',
  };

  it('podman: file, tag, --force-rm, the pull policy as it is, target, args, labels, the context last', () => {
    assert.deepEqual(buildBuildArgv(spec, 'podman'), [
      'build', '--file', '/ws/api/Dockerfile', '--tag', 'localhost/preview-containers/api:0123456789ab', '--force-rm', '--pull=never',
      '--target', 'dev', '--build-arg', 'PYTHON=3.12', '--label', 'previewContainers.app=api', '/ws/api',
    ]);
  });

  it('docker: --pull only for "always" (a yes/no flag there)', () => {
    assert.ok(!buildBuildArgv(spec, 'docker').some((a) => a.startsWith('--pull')));
    assert.ok(!buildBuildArgv({ ...spec, pull: 'missing' }, 'docker').some((a) => a.startsWith('--pull')));
    assert.ok(buildBuildArgv({ ...spec, pull: 'always' }, 'docker').includes('--pull'));
    assert.ok(buildBuildArgv({ ...spec, pull: 'always' }, 'podman').includes('--pull=always'));
    assert.ok(buildBuildArgv({ ...spec, noCache: true }, 'docker').includes('--no-cache'));
    assert.ok(!buildBuildArgv(spec, 'docker').includes('--no-cache'));
  });

  it('refuses what the engine would read as options, relative paths, line breaks and bad names', () => {
    const bads: Partial<BuildSpec>[] = [
      { tag: '--output=/' },
      { tag: 'Localhost/UPPER:1' },
      { dockerfile: 'Dockerfile' },
      { context: 'relative' },
      { context: '/ws/a\nb' },
      { target: '--no-cache' },
      { buildArgs: { 'A B': '1' } },
      { buildArgs: { A: 'x\0y' } },
      { labels: { 'a=b': 'c' } },
      { labels: { a: 'line\nbreak' } },
    ];
    for (const bad of bads) {
      assert.throws(() => buildBuildArgv({ ...spec, ...bad }), BuildSpecError, JSON.stringify(bad));
    }
  });
});

describe('image output parsers (recorded)', () => {
  const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

  it('podman image inspect: labels, exposed ports, working directory; an imported image has neither', () => {
    const [built] = parseImageInspect(fixture('podman-4.3/image-inspect-built.json'));
    assert.equal(built?.labels['previewContainers.buildHash'], '0123456789ab');
    assert.deepEqual(built?.exposedPorts, ['8000/tcp']);
    assert.equal(built?.workingDir, '/srv');
    assert.deepEqual(built?.tags, ['localhost/preview-containers/python-dockerfile:0123456789ab']);
    const [imported] = parseImageInspect(fixture('podman-4.3/image-inspect-imported.json'));
    assert.deepEqual(imported?.exposedPorts, []);
    assert.equal(imported?.workingDir, undefined);
    assert.equal(imported?.id, '424933a12a394f91acd9e38632ac92411d8abd855ba2fca8243af5dadf5eb0d4');
  });

  it('docker image inspect: the same shape, the id without its sha256: prefix', () => {
    const [built] = parseImageInspect(fixture('docker-20.10/image-inspect-built.json'));
    assert.equal(built?.id, 'b8c89b38ad929a2778534fb2e13cc4fa357c54b194839dc42d899a01c99dcf0d');
    assert.deepEqual(built?.exposedPorts, ['8000/tcp']);
    assert.equal(built?.workingDir, '/srv');
    assert.equal(built?.labels.a, 'b');
  });

  it('image lists by label: podman’s JSON array (tags under Names), docker’s line per tag', () => {
    assert.deepEqual(parsePodmanImages(fixture('podman-4.3/images-labelled.json')), [
      { id: 'd48dbc49274fa3536f1797f1a3331900f2358dde9c5b24b9e80d0ddadc376c24', tags: ['localhost/preview-containers/python-dockerfile:0123456789ab'] },
    ]);
    assert.deepEqual(parsePodmanImages(''), []);
    assert.deepEqual(parseDockerImages(fixture('docker-20.10/images-labelled.jsonl')), [{ id: 'b8c89b38ad929a2778534fb2e13cc4fa357c54b194839dc42d899a01c99dcf0d', tags: ['pc-probe:flags'] }]);
    assert.deepEqual(parseDockerImages('{"ID":"sha256:ab","Repository":"<none>","Tag":"<none>"}\n'), [{ id: 'ab', tags: [] }]);
    assert.throws(() => parsePodmanImages('{"not":"a list"}'), /Could not read the container engine's images output/);
    assert.throws(() => parseImageInspect('nope'), /image inspect/);
  });
});
