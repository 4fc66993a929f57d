import * as path from 'node:path';

/**
 * What a Dockerfile says about the image it builds, read without the engine: the stages (`FROM`,
 * for "missing base image" errors), the ports it `EXPOSE`s (the container port), its `WORKDIR`
 * (where `mountSource` mounts the folder). Tolerant by design: a Dockerfile we cannot read is
 * never an error of ours — the engine is the judge at build time — so nothing here throws; what
 * could not be understood becomes a note for the log and the caller falls back.
 */

export interface ExposedPort {
  readonly port: number;
  readonly protocol: string;
  /** Line of the EXPOSE instruction (1-based), for notes. */
  readonly line: number;
}

export interface DockerfileStage {
  readonly index: number;
  /** `FROM … AS <name>`, lower-cased (stage names are case-insensitive). */
  readonly name: string | undefined;
  /** The image (or earlier stage) it starts from, variables expanded. */
  readonly from: string;
  /** The earlier stage `from` names, if it names one. */
  readonly parent: number | undefined;
  readonly line: number;
  /** The stage's own EXPOSE ports, in file order. */
  readonly expose: readonly ExposedPort[];
  /** The working directory after the stage's instructions (inherited from a parent stage); undefined when never set. */
  readonly workdir: string | undefined;
  /** What `COPY/ADD --from=` and `RUN --mount=…,from=` use: earlier stages (index) or images (reference). */
  readonly uses: readonly (number | string)[];
}

export interface DockerfileFacts {
  readonly stages: readonly DockerfileStage[];
  /** Parser directives (`# syntax=…`, `# escape=…`), lower-cased keys. */
  readonly directives: Readonly<Record<string, string>>;
}

export interface ParsedDockerfile {
  /** Undefined when the text holds no build stage at all. */
  readonly facts: DockerfileFacts | undefined;
  /** What could not be understood, for the log ("line 7: EXPOSE $PORT: $PORT has no value"). */
  readonly notes: readonly string[];
}

export interface ParseOptions {
  /** `--build-arg` values: they override ARG defaults, in FROM lines as in stages. */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

interface LogicalLine {
  readonly line: number;
  readonly instruction: string;
  readonly args: string;
}

const DIRECTIVE = /^#\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
/** Instructions images and the two engines know; anything else is noted (the engine will refuse it). */
const INSTRUCTIONS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

export function parseDockerfile(text: string, options: ParseOptions = {}): ParsedDockerfile {
  const notes: string[] = [];
  try {
    const { lines, directives } = logicalLines(text, notes);
    const facts = readStages(lines, directives, options.buildArgs ?? {}, notes);
    return { facts, notes };
  } catch (error) {
    // A bug of ours must never stop a build the engine would accept.
    return { facts: undefined, notes: [...notes, `could not read the Dockerfile: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

/** The stage that is built: `target` (by name, case-insensitive) or the last one. */
export function targetStage(facts: DockerfileFacts, target?: string): DockerfileStage | undefined {
  if (target === undefined) {
    return facts.stages[facts.stages.length - 1];
  }
  return facts.stages.find((stage) => stage.name === target.toLowerCase());
}

/**
 * The ports the built stage exposes: its own EXPOSE lines first (the author's intent for this
 * image), then those it inherits from earlier stages it is built `FROM`. Ports exposed by an
 * external base image are not known here (the built image's metadata tells them).
 */
export function exposedPorts(facts: DockerfileFacts, target?: string): ExposedPort[] {
  const result: ExposedPort[] = [];
  const seen = new Set<string>();
  for (const stage of chain(facts, targetStage(facts, target))) {
    for (const exposed of stage.expose) {
      const key = `${exposed.port}/${exposed.protocol}`;
      if (!seen.has(key)) {
        seen.add(key);
        result.push(exposed);
      }
    }
  }
  return result;
}

/** The WORKDIR the built stage ends with (set by it or an earlier stage it is built from). */
export function workdirOf(facts: DockerfileFacts, target?: string): string | undefined {
  return targetStage(facts, target)?.workdir;
}

/**
 * The images (not stages) building `target` needs: the FROM of every stage it depends on, through
 * FROM chains and `COPY --from` / `RUN --mount from=` — in file order, without `scratch`.
 */
export function baseImages(facts: DockerfileFacts, target?: string): string[] {
  const start = targetStage(facts, target);
  if (!start) {
    return [];
  }
  const needed = new Set<number>();
  const visit = (index: number): void => {
    const stage = facts.stages[index];
    if (!stage || needed.has(index)) {
      return;
    }
    needed.add(index);
    if (stage.parent !== undefined) {
      visit(stage.parent);
    }
    for (const use of stage.uses) {
      if (typeof use === 'number') {
        visit(use);
      }
    }
  };
  visit(start.index);
  const images: string[] = [];
  for (const stage of facts.stages.filter((s) => needed.has(s.index))) {
    for (const image of [stage.parent === undefined ? stage.from : undefined, ...stage.uses.filter((u): u is string => typeof u === 'string')]) {
      if (image !== undefined && image.toLowerCase() !== 'scratch' && !images.includes(image)) {
        images.push(image);
      }
    }
  }
  return images;
}

export type ContainerPortSource = 'apps[].containerPort' | 'EXPOSE' | 'image' | 'containerPort setting';

export interface ContainerPortChoice {
  readonly port: number;
  readonly source: ContainerPortSource;
  /** For the log: several ports exposed, non-TCP ones skipped, nothing exposed. */
  readonly notes: readonly string[];
}

/**
 * The port the app listens on inside its container: `apps[].containerPort`, else the Dockerfile's
 * EXPOSE (one: it; several: the first, said in the log), else the ports the built image exposes
 * (it inherits those of an external base image, e.g. nginx's 80), else the `containerPort` setting.
 * Only TCP ports count: the preview speaks HTTP.
 */
export function chooseContainerPort(input: {
  readonly override?: number;
  readonly exposed?: readonly ExposedPort[];
  /** `Config.ExposedPorts` of the built image, e.g. `["8000/tcp"]` (unordered: sorted here). */
  readonly imagePorts?: readonly string[];
  readonly fallback: number;
}): ContainerPortChoice {
  if (input.override !== undefined) {
    return { port: input.override, source: 'apps[].containerPort', notes: [] };
  }
  const notes: string[] = [];
  const exposed = input.exposed ?? [];
  const tcp = exposed.filter((p) => p.protocol === 'tcp');
  const skipped = exposed.filter((p) => p.protocol !== 'tcp');
  if (skipped.length > 0) {
    notes.push(`The Dockerfile also exposes ${skipped.map((p) => `${p.port}/${p.protocol}`).join(', ')}, not TCP: not a preview port.`);
  }
  const first = tcp[0];
  if (first) {
    if (tcp.length > 1) {
      notes.push(`The Dockerfile exposes ${tcp.map((p) => p.port).join(', ')}; using the first, ${first.port} (set previewContainers.apps[].containerPort to choose another).`);
    }
    return { port: first.port, source: 'EXPOSE', notes };
  }
  const imageTcp = (input.imagePorts ?? [])
    .map((key) => /^(\d{1,5})(?:\/(tcp))?$/i.exec(key.trim()))
    .flatMap((m) => (m && Number(m[1]) >= 1 && Number(m[1]) <= 65535 ? [Number(m[1])] : []))
    .sort((a, b) => a - b);
  const fromImage = imageTcp[0];
  if (fromImage !== undefined) {
    if (imageTcp.length > 1) {
      notes.push(`The image exposes ${imageTcp.join(', ')}; using ${fromImage} (set previewContainers.apps[].containerPort to choose another).`);
    }
    return { port: fromImage, source: 'image', notes };
  }
  notes.push(`The Dockerfile exposes no TCP port; using previewContainers.containerPort (${input.fallback}).`);
  return { port: input.fallback, source: 'containerPort setting', notes };
}

/** The stage and the earlier stages it is built FROM, nearest first. */
function chain(facts: DockerfileFacts, stage: DockerfileStage | undefined): DockerfileStage[] {
  const result: DockerfileStage[] = [];
  for (let current = stage; current && !result.includes(current); current = current.parent === undefined ? undefined : facts.stages[current.parent]) {
    result.push(current);
  }
  return result;
}

/**
 * Physical lines → instructions: parser directives at the top, comments and blank lines dropped
 * (also inside continuations, as the engines do), continuation lines joined (the escape
 * character may be followed by blanks), heredoc bodies (`RUN <<EOF … EOF`) skipped so their
 * contents are never read as instructions.
 */
function logicalLines(text: string, notes: string[]): { lines: LogicalLine[]; directives: Record<string, string> } {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < physical.length; i++) {
    const match = DIRECTIVE.exec(physical[i] ?? '');
    const key = match?.[1]?.toLowerCase();
    if (!match || key === undefined || !KNOWN_DIRECTIVES.has(key) || key in directives) {
      break;
    }
    directives[key] = match[2] ?? '';
  }
  let escape = '\\';
  if (directives.escape !== undefined) {
    if (directives.escape === '`' || directives.escape === '\\') {
      escape = directives.escape;
    } else {
      notes.push(`line ${i}: escape directive ${JSON.stringify(directives.escape)} is not \\ or \`; using \\.`);
    }
  }
  const lines: LogicalLine[] = [];
  let pending: { line: number; text: string } | undefined;
  for (; i < physical.length; i++) {
    const raw = physical[i] ?? '';
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      continue; // comments and blank lines, between instructions or inside a continuation
    }
    const continues = new RegExp(`${escapeRegExp(escape)}[ \\t]*$`).exec(raw);
    const part = continues ? raw.slice(0, continues.index) : raw;
    pending = pending ? { line: pending.line, text: `${pending.text}${part}` } : { line: i + 1, text: part };
    if (continues && i < physical.length - 1) {
      continue;
    }
    const full = pending.text.trim();
    // An instruction continued over several lines is reported at its first line.
    const line = pending.line;
    pending = undefined;
    const space = full.search(/\s/);
    const instruction = (space === -1 ? full : full.slice(0, space)).toUpperCase();
    const args = space === -1 ? '' : full.slice(space + 1).trim();
    lines.push({ line, instruction, args });
    if (HEREDOC_INSTRUCTIONS.has(instruction)) {
      i = skipHeredocs(physical, i, args);
    }
  }
  return { lines, directives };
}

/** Skips the bodies of the heredocs an instruction opens; returns the index of the last line consumed. */
function skipHeredocs(physical: readonly string[], index: number, args: string): number {
  let i = index;
  for (const match of args.matchAll(HEREDOC)) {
    const stripTabs = match[1] === '-';
    const word = match[3] ?? '';
    for (i = i + 1; i < physical.length; i++) {
      const body = physical[i] ?? '';
      if ((stripTabs ? body.replace(/^\t+/, '') : body) === word) {
        break;
      }
    }
  }
  return i;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface StageBuilder {
  index: number;
  name: string | undefined;
  from: string;
  parent: number | undefined;
  line: number;
  expose: ExposedPort[];
  workdir: string | undefined;
  uses: (number | string)[];
  /** ARG and ENV values visible in the stage (ENV wins over ARG, as in the engines). */
  args: Map<string, string>;
  env: Map<string, string>;
}

function readStages(lines: readonly LogicalLine[], directives: Record<string, string>, buildArgs: Readonly<Record<string, string>>, notes: string[]): DockerfileFacts | undefined {
  const globalArgs = new Map<string, string | undefined>();
  const stages: StageBuilder[] = [];
  const unknown = new Set<string>();
  for (const { line, instruction, args } of lines) {
    const stage = stages[stages.length - 1];
    if (instruction === 'FROM') {
      stages.push(readFrom(line, args, stages, globalArgs, buildArgs, notes));
      continue;
    }
    if (!stage) {
      if (instruction === 'ARG') {
        for (const [name, value] of argDeclarations(args)) {
          globalArgs.set(name, buildArgs[name] ?? (value === undefined ? undefined : expand(value, lookup(globalArgs))));
        }
      } else {
        notes.push(`line ${line}: ${instruction} before the first FROM (only ARG may come first).`);
      }
      continue;
    }
    const vars = (name: string): string | undefined => stage.env.get(name) ?? stage.args.get(name);
    switch (instruction) {
      case 'ARG':
        for (const [name, value] of argDeclarations(args)) {
          // A global ARG re-declared without a value brings its global value into the stage.
          const resolved = buildArgs[name] ?? (value === undefined ? globalArgs.get(name) : expand(value, vars));
          if (resolved !== undefined) {
            stage.args.set(name, resolved);
          }
        }
        break;
      case 'ENV':
        for (const [name, value] of envDeclarations(args)) {
          stage.env.set(name, expand(value, vars));
        }
        break;
      case 'EXPOSE':
        stage.expose.push(...readExpose(line, args, vars, notes));
        break;
      case 'WORKDIR': {
        const dir = unquote(expand(args, vars));
        if (dir === '') {
          notes.push(`line ${line}: WORKDIR without a path.`);
        } else {
          stage.workdir = path.posix.resolve(stage.workdir ?? '/', dir);
        }
        break;
      }
      case 'COPY':
      case 'ADD':
      case 'RUN':
        for (const source of sourcesOf(instruction, args, vars)) {
          stage.uses.push(stageOrImage(source, stages.slice(0, -1)));
        }
        break;
      default:
        if (!INSTRUCTIONS.has(instruction) && !unknown.has(instruction)) {
          unknown.add(instruction);
          notes.push(`line ${line}: unknown instruction ${instruction}.`);
        }
    }
  }
  if (stages.length === 0) {
    notes.push('the Dockerfile has no FROM instruction.');
    return undefined;
  }
  return {
    directives,
    stages: stages.map((s) => ({ index: s.index, name: s.name, from: s.from, parent: s.parent, line: s.line, expose: s.expose, workdir: s.workdir, uses: s.uses })),
  };
}

function lookup(map: ReadonlyMap<string, string | undefined>): (name: string) => string | undefined {
  return (name) => map.get(name);
}

function readFrom(
  line: number,
  args: string,
  stages: readonly StageBuilder[],
  globalArgs: ReadonlyMap<string, string | undefined>,
  buildArgs: Readonly<Record<string, string>>,
  notes: string[],
): StageBuilder {
  const words = args.split(/\s+/).filter((w) => w !== '' && !w.startsWith('--'));
  const raw = words[0] ?? '';
  // FROM lines see the global ARGs only (and --build-arg values for them).
  const unset: string[] = [];
  const from = expand(raw, (name) => {
    const value = buildArgs[name] ?? globalArgs.get(name);
    if (value === undefined) {
      unset.push(name);
    }
    return value;
  });
  if (from === '') {
    notes.push(`line ${line}: FROM without an image.`);
  } else if (unset.length > 0) {
    notes.push(`line ${line}: FROM ${raw}: ${unset.map((n) => `$${n}`).join(', ')} has no value (declare it with ARG before FROM, or set previewContainers.apps[].buildArgs).`);
  }
  const name = words[1]?.toLowerCase() === 'as' ? words[2]?.toLowerCase() : undefined;
  const parent = stageIndex(from, stages);
  const base = parent === undefined ? undefined : stages[parent];
  return {
    index: stages.length,
    name,
    from,
    parent,
    line,
    expose: [],
    workdir: base?.workdir,
    uses: [],
    // A stage built FROM an earlier one inherits its environment (image config), not its ARGs.
    args: new Map(),
    env: new Map(base?.env ?? []),
  };
}

/** `--from=<stage name | stage index | image>` of an earlier stage, or undefined. */
function stageIndex(reference: string, stages: readonly StageBuilder[]): number | undefined {
  const lower = reference.toLowerCase();
  const named = stages.find((s) => s.name === lower);
  if (named) {
    return named.index;
  }
  if (/^\d+$/.test(reference) && Number(reference) < stages.length) {
    return Number(reference);
  }
  return undefined;
}

function stageOrImage(reference: string, earlier: readonly StageBuilder[]): number | string {
  return stageIndex(reference, earlier) ?? reference;
}

/** `COPY --from=x`, `ADD --from=x`, `RUN --mount=type=…,from=x,…`. */
function sourcesOf(instruction: string, args: string, vars: (name: string) => string | undefined): string[] {
  const result: string[] = [];
  for (const word of args.split(/\s+/)) {
    if (!word.startsWith('--')) {
      break; // flags come first
    }
    if (instruction !== 'RUN') {
      const match = /^--from=(.+)$/.exec(word);
      if (match?.[1]) {
        result.push(unquote(expand(match[1], vars)));
      }
    } else if (word.startsWith('--mount=')) {
      const from = word
        .slice('--mount='.length)
        .split(',')
        .map((pair) => pair.split('='))
        .find(([key]) => key === 'from')?.[1];
      if (from) {
        result.push(unquote(expand(from, vars)));
      }
    }
  }
  return result;
}

function readExpose(line: number, args: string, vars: (name: string) => string | undefined, notes: string[]): ExposedPort[] {
  const result: ExposedPort[] = [];
  for (const word of args.split(/\s+/).filter((w) => w !== '')) {
    const value = unquote(expand(word, vars));
    const match = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/([A-Za-z]+))?$/.exec(value);
    const port = Number(match?.[1]);
    if (!match || port < 1 || port > 65535) {
      const why = value === '' ? `${word} has no value` : `${JSON.stringify(value)} is not a port`;
      notes.push(`line ${line}: EXPOSE ${word}: ${why}.`);
      continue;
    }
    // A range (`EXPOSE 8000-8010`) stands for its first port here: one preview port per app.
    result.push({ port, protocol: (match[3] ?? 'tcp').toLowerCase(), line });
  }
  return result;
}

/** `ARG A`, `ARG A=1 B="two"`: names with optional default values. */
function argDeclarations(args: string): [string, string | undefined][] {
  return splitWords(args).flatMap((word): [string, string | undefined][] => {
    const eq = word.indexOf('=');
    const name = eq === -1 ? word : word.slice(0, eq);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? [[name, eq === -1 ? undefined : unquote(word.slice(eq + 1))]] : [];
  });
}

/** `ENV A=1 B="two words"` or the legacy `ENV A one value`. */
function envDeclarations(args: string): [string, string][] {
  const words = splitWords(args);
  const first = words[0] ?? '';
  if (!first.includes('=')) {
    const name = first;
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? [[name, args.slice(args.indexOf(name) + name.length).trim()]] : [];
  }
  return words.flatMap((word): [string, string][] => {
    const eq = word.indexOf('=');
    const name = word.slice(0, eq);
    return eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? [[name, unquote(word.slice(eq + 1))]] : [];
  });
}

/** Splits on blanks outside quotes, keeping the quotes (values are unquoted by their reader). */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of text) {
    if (quote) {
      current += char;
      if (char === quote) {
        quote = undefined;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (/\s/.test(char)) {
      if (current !== '') {
        words.push(current);
        current = '';
      }
    } else {
      current += char;
    }
  }
  if (current !== '') {
    words.push(current);
  }
  return words;
}

function unquote(text: string): string {
  return text.replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1');
}

/**
 * `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alternative}` as the engines expand them; an
 * unset variable is empty; `\$` is a literal dollar.
 */
export function expand(text: string, vars: (name: string) => string | undefined): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    if (whole === '\\$') {
      return '$';
    }
    const value = vars(braced ?? bare ?? '');
    if (op === '-') {
      return value === undefined || value === '' ? (word ?? '') : value;
    }
    if (op === '+') {
      return value === undefined || value === '' ? '' : (word ?? '');
    }
    return value ?? '';
  });
}
