import type { EngineKind } from './types';

/**
 * Reads the output of `podman build` / `docker build` (the classic builder and BuildKit's plain
 * progress) line by line: which step runs now (for the progress notification), which step failed
 * and what it printed (for the error), and which layers this build created (so that a cancelled
 * build leaves none behind). Formats as recorded in test/fixtures/{podman-4.3,docker}/build-*.
 */

export interface BuildStep {
  /** `3/5`, with the stage for multi-stage builds: `[2/2] 3/5` (podman), `build 2/3` (BuildKit). */
  readonly position: string;
  /** The instruction as the engine prints it, e.g. `RUN pip install -r requirements.txt`. */
  readonly instruction: string;
}

export type BuildFailure =
  | { readonly kind: 'step'; readonly step: BuildStep; readonly detail: string; readonly output: readonly string[] }
  | { readonly kind: 'baseImageMissing'; readonly image: string; readonly detail: string }
  /** A base image the engine tried to pull and could not (no network, no such image, no access). */
  | { readonly kind: 'baseImageUnavailable'; readonly image: string; readonly detail: string }
  | { readonly kind: 'other'; readonly detail: string; readonly output: readonly string[] };

// ESC[…m colour codes: docker's classic builder wraps what a step printed on stderr in them.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

const PODMAN_STEP = /^(?:\[(\d+\/\d+)\] )?STEP (\d+\/\d+): (.*)$/;
const PODMAN_LAYER = /^--> ([0-9a-f]{11,64})$/;
const PODMAN_CACHED = /^--> Using cache ([0-9a-f]{64})$/;
const CLASSIC_STEP = /^Step (\d+\/\d+) : (.*)$/;
const CLASSIC_LAYER = /^ ---> ([0-9a-f]{12,64})$/;
const CLASSIC_FAILED = /^The command '(.*)' returned a non-zero code: (\d+)$/;
const BUILDKIT_VERTEX = /^#(\d+) \[(?:(\S+) )?(\d+\/\d+)\] (.*)$/;
const BUILDKIT_METADATA = /^#(\d+) \[(?:\S+ )?internal\] load metadata for (\S+)$/;
const BUILDKIT_LOG = /^#(\d+) \d+\.\d+ (.*)$/;
const BUILDKIT_ERROR = /^#(\d+) ERROR: (.*)$/;
/** What engines say when a name has no image (locally or in the registry): missing rather than unreachable. */
const NOT_FOUND = /image not known|not found|manifest unknown|pull access denied|repository does not exist|no such image/i;
/** Lines that are not the step's own output. */
const NOISE = /^time="[^"]*" level=(?:warning|info|debug)|^Removing intermediate container |^ ---> Running in /;

export function stripAnsi(line: string): string {
  return line.replace(ANSI, '');
}

/** Feed it every output line (stdout and stderr interleaved); ask it what happened. */
export class BuildOutput {
  private readonly all: string[] = [];
  private step: BuildStep | undefined;
  /** Line index where the current step's output starts. */
  private stepStart = 0;
  private readonly cached = new Set<string>();
  private readonly layers: string[] = [];
  /** docker classic: the next ` ---> id` is not a layer of this build (the base image's, or a cached one). */
  private notOurs = false;
  /** BuildKit: vertex id → its step (or base image for metadata loads), its output, its error. */
  private readonly vertices = new Map<string, { step?: BuildStep; image?: string; output: string[]; error?: string }>();
  private errorVertex: string | undefined;

  constructor(private readonly kind: EngineKind) {}

  /** The output so far (colour codes removed). */
  get lines(): readonly string[] {
    return this.all;
  }

  /** The step that is running now. */
  get current(): BuildStep | undefined {
    return this.step;
  }

  /** Reads one line; returns the step it starts, if it starts one (BuildKit repeats headers: once only). */
  push(raw: string): BuildStep | undefined {
    const line = stripAnsi(raw).replace(/\r$/, '');
    this.all.push(line);
    return this.kind === 'podman' ? this.pushPodman(line) : this.pushDocker(line);
  }

  /** Layers this build committed (not those it took from the cache), oldest first. */
  createdLayers(): string[] {
    return this.layers.filter((id) => ![...this.cached].some((full) => full.startsWith(id)));
  }

  /** Why the build failed, from what it printed. */
  failure(): BuildFailure {
    return this.kind === 'podman' ? this.podmanFailure() : this.dockerFailure();
  }

  private startStep(step: BuildStep): BuildStep {
    this.step = step;
    this.stepStart = this.all.length;
    return step;
  }

  private pushPodman(line: string): BuildStep | undefined {
    const step = PODMAN_STEP.exec(line);
    if (step) {
      return this.startStep({ position: step[1] ? `[${step[1]}] ${step[2] ?? ''}` : (step[2] ?? ''), instruction: step[3] ?? '' });
    }
    const cached = PODMAN_CACHED.exec(line);
    if (cached?.[1]) {
      this.cached.add(cached[1]);
      return undefined;
    }
    const layer = PODMAN_LAYER.exec(line);
    if (layer?.[1] && !this.layers.includes(layer[1])) {
      this.layers.push(layer[1]);
    }
    return undefined;
  }

  private pushDocker(line: string): BuildStep | undefined {
    const classic = CLASSIC_STEP.exec(line);
    if (classic) {
      const step = this.startStep({ position: classic[1] ?? '', instruction: classic[2] ?? '' });
      this.notOurs = /^FROM\s/i.test(step.instruction);
      return step;
    }
    if (line === ' ---> Using cache') {
      this.notOurs = true;
      return undefined;
    }
    const layer = CLASSIC_LAYER.exec(line);
    if (layer?.[1]) {
      if (!this.notOurs && !this.layers.includes(layer[1])) {
        this.layers.push(layer[1]);
      }
      this.notOurs = false;
      return undefined;
    }
    const metadata = BUILDKIT_METADATA.exec(line);
    if (metadata?.[1]) {
      this.vertex(metadata[1]).image = metadata[2];
      return undefined;
    }
    const vertex = BUILDKIT_VERTEX.exec(line);
    if (vertex?.[1]) {
      const entry = this.vertex(vertex[1]);
      if (entry.step) {
        return undefined;
      }
      entry.step = { position: vertex[2] ? `${vertex[2]} ${vertex[3] ?? ''}` : (vertex[3] ?? ''), instruction: vertex[4] ?? '' };
      return this.startStep(entry.step);
    }
    const log = BUILDKIT_LOG.exec(line);
    if (log?.[1] && this.vertices.has(log[1])) {
      this.vertex(log[1]).output.push(log[2] ?? '');
      return undefined;
    }
    const error = BUILDKIT_ERROR.exec(line);
    if (error?.[1]) {
      this.vertex(error[1]).error = error[2];
      this.errorVertex ??= error[1];
    }
    return undefined;
  }

  private vertex(id: string): { step?: BuildStep; image?: string; output: string[]; error?: string } {
    let entry = this.vertices.get(id);
    if (!entry) {
      entry = { output: [] };
      this.vertices.set(id, entry);
    }
    return entry;
  }

  private stepOutput(until: number): string[] {
    return this.all.slice(this.stepStart, until).filter((l) => l.trim() !== '' && !NOISE.test(l) && !PODMAN_LAYER.test(l) && !PODMAN_CACHED.test(l));
  }

  private lastError(): { index: number; text: string } | undefined {
    for (let i = this.all.length - 1; i >= 0; i--) {
      const line = this.all[i] ?? '';
      if (line.startsWith('Error: ')) {
        return { index: i, text: line.slice('Error: '.length) };
      }
    }
    return undefined;
  }

  private podmanFailure(): BuildFailure {
    const error = this.lastError();
    const text = error?.text ?? lastMeaningful(this.all);
    const detail = error ? [text, ...this.all.slice(error.index + 1).map((l) => l.trim()).filter((l) => l !== '')].join(' ') : text;
    const creating = /^creating build container: (?:initializing source docker:\/\/)?(\S+?): (.*)$/.exec(text);
    if (creating?.[1]) {
      const image = creating[1];
      return NOT_FOUND.test(creating[2] ?? '') ? { kind: 'baseImageMissing', image, detail } : { kind: 'baseImageUnavailable', image, detail };
    }
    const step = this.step;
    if (step && error && text.startsWith(`building at STEP "${step.instruction}": `)) {
      return { kind: 'step', step, detail: detail.slice(`building at STEP "${step.instruction}": `.length), output: this.stepOutput(error.index) };
    }
    if (step && error && text.startsWith('building at STEP ')) {
      return { kind: 'step', step, detail: text.replace(/^building at STEP ".*?": /, ''), output: this.stepOutput(error.index) };
    }
    return { kind: 'other', detail, output: this.all.slice(-15) };
  }

  private dockerFailure(): BuildFailure {
    // BuildKit: the vertex that reported the error.
    const vertexId = this.errorVertex;
    const vertex = vertexId === undefined ? undefined : this.vertices.get(vertexId);
    if (vertex) {
      const detail = vertex.error ?? lastMeaningful(this.all);
      if (vertex.image !== undefined) {
        return NOT_FOUND.test(detail) ? { kind: 'baseImageMissing', image: vertex.image, detail } : { kind: 'baseImageUnavailable', image: vertex.image, detail };
      }
      if (vertex.step) {
        return { kind: 'step', step: vertex.step, detail, output: vertex.output };
      }
    }
    // The classic builder: the last step, and its one-line verdict.
    const step = this.step;
    for (let i = this.all.length - 1; i >= this.stepStart && step; i--) {
      const failed = CLASSIC_FAILED.exec(this.all[i] ?? '');
      if (failed) {
        return { kind: 'step', step, detail: `exit code ${failed[2] ?? '?'}`, output: this.stepOutput(i) };
      }
    }
    const detail = lastMeaningful(this.all);
    if (step && /^FROM\s/i.test(step.instruction)) {
      const image = step.instruction.split(/\s+/).find((word, i) => i > 0 && !word.startsWith('--')) ?? '';
      return NOT_FOUND.test(detail) ? { kind: 'baseImageMissing', image, detail } : { kind: 'baseImageUnavailable', image, detail };
    }
    return { kind: 'other', detail, output: this.all.slice(-15) };
  }
}

function lastMeaningful(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (line !== '' && !NOISE.test(line) && !/^-+$/.test(line)) {
      return line.replace(/^(?:Error|ERROR):\s*/, '');
    }
  }
  return 'no output';
}
