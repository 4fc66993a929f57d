import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { baseImages, chooseContainerPort, expand, exposedPorts, parseDockerfile, targetStage, workdirOf, type DockerfileFacts } from '../../src/core/dockerfile';

// Compiled tests run from out/test/unit; fixtures stay in the source tree.
const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');
const dockerfile = (name: string): string => readFileSync(path.join(FIXTURES, 'dockerfiles', name), 'utf8');

function facts(text: string, buildArgs?: Record<string, string>): DockerfileFacts {
  const parsed = parseDockerfile(text, { buildArgs });
  assert.ok(parsed.facts, `parsed: ${parsed.notes.join('; ')}`);
  return parsed.facts;
}

const ports = (f: DockerfileFacts, target?: string): string[] => exposedPorts(f, target).map((p) => `${p.port}/${p.protocol}`);

describe('Dockerfile facts: real-world Dockerfiles', () => {
  it('docker init (Python): directive, global ARG in FROM, continuations with comments around, one EXPOSE, WORKDIR', () => {
    const parsed = parseDockerfile(dockerfile('python-docker-init.Dockerfile'));
    assert.deepEqual(parsed.notes, []);
    const f = parsed.facts;
    assert.ok(f);
    assert.deepEqual(f.directives, { syntax: 'docker/dockerfile:1' });
    assert.deepEqual(f.stages.map((s) => [s.name, s.from, s.line]), [['base', 'python:3.11.4-slim', 9]]);
    assert.deepEqual(ports(f), ['8000/tcp']);
    assert.equal(exposedPorts(f)[0]?.line, 47);
    assert.equal(workdirOf(f), '/app');
    assert.deepEqual(baseImages(f), ['python:3.11.4-slim'], 'a RUN --mount without from= uses no image');
    assert.deepEqual(baseImages(facts(dockerfile('python-docker-init.Dockerfile'), { PYTHON_VERSION: '3.12' })), ['python:3.12-slim'], '--build-arg wins over the ARG default');
  });

  it('Next.js standalone: four stages built FROM each other, the runner exposes 3000 at /app, one external base image', () => {
    const f = facts(dockerfile('next-standalone.Dockerfile'));
    assert.deepEqual(f.stages.map((s) => [s.index, s.name, s.from, s.parent]), [
      [0, 'base', 'node:18-alpine', undefined],
      [1, 'deps', 'base', 0],
      [2, 'builder', 'base', 0],
      [3, 'runner', 'base', 0],
    ]);
    assert.deepEqual(f.stages[2]?.uses, [1]);
    assert.deepEqual(f.stages[3]?.uses, [2, 2, 2]);
    assert.deepEqual(ports(f), ['3000/tcp']);
    assert.equal(workdirOf(f), '/app');
    assert.deepEqual(ports(f, 'deps'), [], 'the deps stage exposes nothing');
    assert.deepEqual(baseImages(f), ['node:18-alpine']);
  });

  it('Go + distroless: the last stage by default, a target stage by name (case-insensitive), protocols', () => {
    const f = facts(dockerfile('go-distroless.Dockerfile'));
    assert.equal(targetStage(f)?.name, 'build-release-stage');
    assert.deepEqual(ports(f), ['8080/tcp']);
    assert.equal(workdirOf(f), '/');
    assert.deepEqual(baseImages(f), ['golang:1.22', 'gcr.io/distroless/base-debian11'], 'COPY --from=build-stage pulls in the build stage’s base');
    assert.equal(targetStage(f, 'RUN-TEST-STAGE')?.index, 1);
    assert.equal(workdirOf(f, 'run-test-stage'), '/app', 'WORKDIR is inherited from the stage it is built FROM');
    assert.deepEqual(baseImages(f, 'run-test-stage'), ['golang:1.22']);
    assert.equal(targetStage(f, 'nope'), undefined);
    assert.deepEqual(baseImages(f, 'nope'), []);
  });

  it('nginx static site: no EXPOSE and no WORKDIR in the file (the built image tells: see chooseContainerPort)', () => {
    const f = facts(dockerfile('nginx-static.Dockerfile'));
    assert.deepEqual(ports(f), []);
    assert.equal(workdirOf(f), undefined);
    assert.deepEqual(baseImages(f), ['nginx:1.27-alpine']);
  });

  it('Rails with dev/prod targets: EXPOSE from an ARG, several ports on a line, inherited ports after the stage’s own, relative WORKDIR', () => {
    const f = facts(dockerfile('rails-targets.Dockerfile'));
    assert.equal(f.stages[0]?.from, 'docker.io/library/ruby:3.3.5-slim');
    assert.deepEqual(ports(f, 'base'), ['3000/tcp']);
    assert.deepEqual(ports(f, 'dev'), ['9229/tcp', '35729/tcp', '3000/tcp']);
    assert.equal(workdirOf(f, 'dev'), '/rails/app');
    assert.deepEqual(ports(f), ['53/udp', '3000/tcp'], 'the default target is the last stage (prod)');
    assert.deepEqual(baseImages(f), ['docker.io/library/ruby:3.3.5-slim', 'docker.io/library/node:20-slim', 'ghcr.io/acme/assets:1'], 'COPY --from=<image> and RUN --mount from=<image> need those images too');
    assert.deepEqual(baseImages(f, 'dev'), ['docker.io/library/ruby:3.3.5-slim']);
    assert.deepEqual(ports(facts(dockerfile('rails-targets.Dockerfile'), { PORT: '4000' }), 'base'), ['4000/tcp']);
  });

  it('the escape directive: a backtick continues lines, a trailing backslash does not', () => {
    assert.deepEqual(parseDockerfile(dockerfile('windows-escape.Dockerfile')).notes, []);
    const f = facts(dockerfile('windows-escape.Dockerfile'));
    assert.deepEqual(f.directives, { escape: '`' });
    assert.deepEqual(ports(f), ['80/tcp', '443/tcp']);
  });

  it('heredoc bodies are not read as instructions', () => {
    const f = facts(dockerfile('heredoc.Dockerfile'));
    assert.deepEqual(ports(f), ['5000/tcp']);
    assert.equal(workdirOf(f), '/srv');
  });

  it('the test fixture app (built for real in the engine tests)', () => {
    const f = facts(readFileSync(path.join(FIXTURES, 'apps', 'python-dockerfile', 'Dockerfile'), 'utf8'));
    assert.deepEqual(ports(f), ['8000/tcp']);
    assert.equal(workdirOf(f), '/srv');
    assert.deepEqual(baseImages(f), ['localhost/preview-python:test']);
  });
});

describe('Dockerfile facts: syntax corners', () => {
  it('several EXPOSE lines and ports, ranges (first port), case-insensitive instructions, CRLF, a BOM', () => {
    const f = facts('\uFEFFfrom alpine\r\nexpose 80 443/TCP 53/udp\r\nEXPOSE 8000-8010/tcp\r\nEXPOSE 80\r\n');
    assert.deepEqual(ports(f), ['80/tcp', '443/tcp', '53/udp', '8000/tcp']);
  });

  it('comments and blank lines inside a continuation are dropped; `#` after text is not a comment', () => {
    const f = facts('FROM alpine\nEXPOSE 3000 \\\n# a comment line inside\n\n  4000\nRUN echo "# not a comment" \\\n  && true\nEXPOSE 5000\n');
    assert.deepEqual(ports(f), ['3000/tcp', '4000/tcp', '5000/tcp']);
    assert.equal(exposedPorts(f)[2]?.line, 8, 'an instruction is reported at its first line');
  });

  it('a directive after a comment is a comment; unknown or repeated directives end the directive block', () => {
    assert.deepEqual(facts('# hello\n# escape=`\nFROM a\n').directives, {});
    assert.deepEqual(facts('# unknown=1\n# syntax=x\nFROM a\n').directives, {});
    assert.deepEqual(facts('# syntax=a\n# syntax=b\nFROM a\n').directives, { syntax: 'a' });
  });

  it('variables: ${X:-default}, ${X:+alt}, \\$ literal, ENV over ARG, ENV inherited through stages, legacy ENV form', () => {
    const f = facts('ARG BASE=alpine\nFROM ${BASE:-debian} AS one\nARG P=1000\nENV P=2000\nEXPOSE $P ${Q:-3000} ${P:+4000}\nENV LEGACY 5000\nFROM one\nEXPOSE ${LEGACY}\n');
    assert.equal(f.stages[0]?.from, 'alpine');
    assert.deepEqual(ports(f, 'one'), ['2000/tcp', '3000/tcp', '4000/tcp']);
    assert.deepEqual(ports(f), ['5000/tcp', '2000/tcp', '3000/tcp', '4000/tcp']);
    assert.equal(expand('cost: \\$5 $A${B}', (n) => ({ A: 'a', B: 'b' })[n]), 'cost: $5 ab');
  });

  it('a global ARG is visible in a stage only when re-declared there', () => {
    const f = facts('ARG PORT=7000\nFROM a AS x\nEXPOSE $PORT\nFROM a AS y\nARG PORT\nEXPOSE $PORT\n');
    assert.deepEqual(ports(f, 'y'), ['7000/tcp']);
    const parsed = parseDockerfile('ARG PORT=7000\nFROM a\nEXPOSE $PORT\n');
    assert.deepEqual(parsed.facts?.stages[0]?.expose, []);
    assert.deepEqual(parsed.notes, ['line 3: EXPOSE $PORT: $PORT has no value.']);
  });

  it('never throws: no FROM, garbage, binary, an empty file → undefined facts with a note', () => {
    for (const text of ['', '\n\n# only comments\n', 'RUN echo hi\n', '\u0000\u0001\u00ff\u0010garbage', 'just some words\nmore words']) {
      const parsed = parseDockerfile(text);
      assert.equal(parsed.facts, undefined, JSON.stringify(text));
      assert.ok(parsed.notes.includes('the Dockerfile has no FROM instruction.'), parsed.notes.join('; '));
    }
    const odd = parseDockerfile('FROM a\nEXPOSE http\nEXPOSE 70000\nFROBNICATE x\nWORKDIR\nFROM\n');
    assert.deepEqual(odd.notes, ['line 2: EXPOSE http: "http" is not a port.', 'line 3: EXPOSE 70000: "70000" is not a port.', 'line 4: unknown instruction FROBNICATE.', 'line 5: WORKDIR without a path.', 'line 6: FROM without an image.']);
    assert.deepEqual(parseDockerfile('FROM ${NOPE}:1\n').notes[0], 'line 1: FROM ${NOPE}:1: $NOPE has no value (declare it with ARG before FROM, or set previewContainers.apps[].buildArgs).');
    assert.deepEqual(parseDockerfile('FROM a\nRUN <<EOF\nEXPOSE 1\n').facts?.stages[0]?.expose, [], 'an unterminated heredoc swallows the rest, as the engines do');
  });

  it('a trailing continuation at the end of the file still ends the instruction', () => {
    assert.deepEqual(ports(facts('FROM a\nEXPOSE 8080 \\')), ['8080/tcp']);
  });

  it('scratch is not an image to look for; COPY --from by stage index', () => {
    const f = facts('FROM golang AS b\nRUN go build\nFROM scratch\nCOPY --from=0 /out /out\nEXPOSE 8080\n');
    assert.deepEqual(f.stages[1]?.uses, [0]);
    assert.deepEqual(baseImages(f), ['golang']);
  });
});

describe('the container port rule', () => {
  const exposed = (...list: string[]) => list.map((p, i) => ({ port: Number(p.split('/')[0]), protocol: p.split('/')[1] ?? 'tcp', line: i + 1 }));

  it('apps[].containerPort wins over everything', () => {
    assert.deepEqual(chooseContainerPort({ override: 5000, exposed: exposed('8000'), imagePorts: ['80/tcp'], fallback: 3000 }), { port: 5000, source: 'apps[].containerPort', notes: [] });
  });

  it('one EXPOSE: it, silently; several: the first, and the log says so', () => {
    assert.deepEqual(chooseContainerPort({ exposed: exposed('8000'), fallback: 3000 }), { port: 8000, source: 'EXPOSE', notes: [] });
    const several = chooseContainerPort({ exposed: exposed('8000', '9229'), fallback: 3000 });
    assert.equal(several.port, 8000);
    assert.deepEqual(several.notes, ['The Dockerfile exposes 8000, 9229; using the first, 8000 (set previewContainers.apps[].containerPort to choose another).']);
  });

  it('UDP ports are never the preview port', () => {
    const choice = chooseContainerPort({ exposed: exposed('53/udp', '8080/tcp'), fallback: 3000 });
    assert.equal(choice.port, 8080);
    assert.deepEqual(choice.notes, ['The Dockerfile also exposes 53/udp, not TCP: not a preview port.']);
  });

  it('nothing in the Dockerfile: the built image’s ports (inherited from its base, lowest first), else the setting', () => {
    assert.deepEqual(chooseContainerPort({ exposed: [], imagePorts: ['80/tcp'], fallback: 3000 }), { port: 80, source: 'image', notes: [] });
    assert.equal(chooseContainerPort({ imagePorts: ['8443/tcp', '53/udp', '80/tcp'], fallback: 3000 }).port, 80);
    assert.deepEqual(chooseContainerPort({ exposed: [], imagePorts: [], fallback: 3000 }), {
      port: 3000,
      source: 'containerPort setting',
      notes: ['The Dockerfile exposes no TCP port; using previewContainers.containerPort (3000).'],
    });
  });
});
