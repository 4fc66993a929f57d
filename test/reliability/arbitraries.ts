import fc from 'fast-check';
import * as net from 'node:net';

/** Pieces that break naive shells, option parsers, path handling and label/mount syntax. */
const NASTY = [
  ' ', '  ', '..', '.', '-', '--', '-rf', '--privileged', '-v /:/host', '$(touch pwned)', '$(', ')', '`id`', "'", '"', '\\',
  '\n', '\r\n', '\t', ';', '|', '&&', '&', ':', ',', '=', '*', '?', '~', '#', '%', '!', '{a,b}', '<', '>', '\0',
  'ü', 'ñ', '日本', '🚀', '\u200b', 'e\u0301', 'Ω', '\u202e', 'a', 'app', 'web', 'x',
];

/** Strings built from the nasty pieces and random graphemes (plus some raw random text). */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'grapheme', maxLength: 3 })), { minLength: 1, maxLength: 8 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }) },
);

/** A name one folder can have on Linux: one path segment (NUL, `/`, `.` and `..` are impossible). */
export const folderName: fc.Arbitrary<string> = nastyString.filter((n) => n !== '' && !n.includes('/') && !n.includes('\0') && n !== '.' && n !== '..' && Buffer.byteLength(n) <= 200);

/** Folder paths below a workspace, including `..` segments and names no file system allows. */
export const relativeFolder: fc.Arbitrary<string> = fc.array(fc.oneof(nastyString, fc.constant('..')), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));

const IMAGE_REST = 'abcdefghijklmnopqrstuvwxyzABCZ0123456789._-/:@'.split('');
export const goodImage: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...'abcz09AZ'.split('')), fc.string({ unit: fc.constantFrom(...IMAGE_REST), maxLength: 40 }))
  .map(([first, rest]) => first + rest)
  .filter((image) => !image.includes('//'));

const notJsonString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant([]), fc.constant({}), fc.array(fc.string(), { minLength: 1, maxLength: 2 }));

export const badImage: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('', '-x', '--privileged', 'a b', 'a\nb', 'a//b', '$(id)', 'ubuntu;rm -rf /', 'ümage', 'x'.repeat(256), '"q"', "'q'", ' leading', '.hidden', 'tag:'.padEnd(300, 'x')),
  nastyString.filter((s) => !/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(s) || s.includes('//')),
  notJsonString,
);

export const envName: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...'ABCXYZ_abz'.split('')), fc.string({ unit: fc.constantFrom(...'AZ09_az'.split('')), maxLength: 8 })).map(([a, b]) => a + b);
export const envValue: fc.Arbitrary<string> = nastyString.filter((v) => !v.includes('\0'));
export const goodEnv: fc.Arbitrary<Record<string, string>> = fc.dictionary(envName, envValue, { maxKeys: 3 });

/** A command as the settings allow it: a non-blank string (run with sh -c) or a non-empty argv. */
export const goodCommand: fc.Arbitrary<string | string[]> = fc.oneof(
  nastyString.filter((s) => s.trim() !== '' && !s.includes('\0')),
  fc.array(nastyString.filter((s) => !s.includes('\0')), { minLength: 1, maxLength: 5 }),
);

export const goodAppEntry: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    path: relativeFolder.filter((p) => p.trim() !== '' && !p.includes('\0')),
    name: fc.string(),
    image: goodImage,
    command: goodCommand,
    containerPort: fc.integer({ min: 1, max: 65535 }),
    env: goodEnv,
  },
  { requiredKeys: ['path'] },
);

const nonInteger = fc.oneof(fc.double().filter((d) => !Number.isInteger(d)), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '3000', '', true, false, [], {}), nastyString);

export const badAppEntry: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('apps/web', 5, true, [], [{ path: 'x' }]),
  fc.constantFrom({}, { path: '' }, { path: '   ' }, { path: 'a\0b' }, { path: 5 }, { path: ['a'] }, { name: 'no path' }),
  fc.record({ path: fc.constant('a'), name: fc.oneof(fc.integer(), fc.boolean(), fc.constant({})) }),
  fc.record({ path: fc.constant('a'), image: badImage.filter((v) => v !== undefined) }),
  fc.record({ path: fc.constant('a'), command: fc.oneof(fc.constantFrom('', '   ', [], [1], 5, ['ok', 2], {}, ['node', 'a\0b'], 'echo \0'), nastyString.map((s) => [s, '\0'])) }),
  fc.record({ path: fc.constant('a'), containerPort: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), nonInteger) }),
  fc.record({ path: fc.constant('a'), env: fc.oneof(fc.constantFrom([], 'A=1', 5, { 'BAD NAME': 'x' }, { A: 5 }, { A: 'a\0' }, { '1A': 'x' }, { '': 'x' })) }),
);

interface SettingCase {
  readonly value: unknown;
  /** The value is invalid for this setting: reading the settings must fail naming it. */
  readonly bad: boolean;
}

const unset = fc.constantFrom<SettingCase>({ value: undefined, bad: false }, { value: null, bad: false });

function setting(good: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<SettingCase> {
  return fc.oneof(
    { weight: 2, arbitrary: unset },
    { weight: 8, arbitrary: good.map((value) => ({ value, bad: false })) },
    { weight: 1, arbitrary: bad.map((value) => ({ value, bad: true })) },
  );
}

function oneOfSetting(choices: readonly string[]): fc.Arbitrary<SettingCase> {
  return setting(fc.constantFrom(...choices), fc.oneof(fc.constantFrom('', 'Podman', 'AUTO', 'lxc', 'sometimes', 0, true, [], {}), nastyString.filter((s) => !choices.includes(s))));
}

function wholeNumber(min: number, max: number): fc.Arbitrary<SettingCase> {
  return setting(fc.integer({ min, max }), fc.oneof(fc.integer({ min: max + 1 }), fc.integer({ max: min - 1 }), fc.constantFrom(1e12, -1e12, Number.MAX_SAFE_INTEGER), nonInteger));
}

const port = fc.integer({ min: 1024, max: 65535 });
const badPort = fc.oneof(fc.integer({ max: 1023 }), fc.integer({ min: 65536 }), nonInteger);

/** The two port range settings, drawn together so reversed ranges (also against a default) come up. */
const portRange: fc.Arbitrary<{ start: SettingCase; end: SettingCase }> = fc.oneof(
  fc.tuple(port, port).map(([a, b]) => ({ start: { value: Math.min(a, b), bad: false }, end: { value: Math.max(a, b), bad: false } })),
  fc.tuple(port, port).filter(([a, b]) => a !== b).map(([a, b]) => ({ start: { value: Math.max(a, b), bad: true }, end: { value: Math.min(a, b), bad: false } })),
  fc.record({ start: setting(port, badPort), end: setting(port, badPort) }),
);

const goodResources = fc.record(
  {
    cpus: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 102_400 }).map((n) => n / 100)),
    memory: fc.oneof(fc.constantFrom('0', '6m', '512M', ' 2g '), fc.integer({ min: 6, max: 1_000_000 }).map((n) => `${n}m`), fc.integer({ min: 6 * 1024, max: 1e9 }).map((n) => `${n}k`)),
  },
  { requiredKeys: [] },
);
const badResources = fc.oneof(
  fc.constantFrom(5, 'lots', [], [1], true, { cpus: -1 }, { cpus: 0.001 }, { cpus: 1025 }, { cpus: '1' }, { cpus: Number.NaN }, { memory: '512' }, { memory: '5m' }, { memory: '1.5g' }, { memory: 2048 }, { memory: '-1g' }, { pids: 1 }),
  fc.record({ memory: nastyString.filter((s) => !/^\s*([1-9][0-9]*[kmgKMG]|0)\s*$/.test(s)) }),
);

export interface SettingsCase {
  readonly values: Readonly<Record<string, unknown>>;
  /** Settings (without the `previewContainers.` prefix) that are invalid. */
  readonly bad: ReadonlySet<string>;
}

const DEFAULT_START = 32100;
const DEFAULT_END = 32200;

/** Random settings where each value is either valid, unset, or invalid — and the test knows which. */
export const settingsCase: fc.Arbitrary<SettingsCase> = fc
  .record({
    portRange,
    engine: oneOfSetting(['auto', 'podman', 'docker']),
    enginePath: setting(nastyString.filter((s) => !s.includes('\0')), fc.oneof(nastyString.map((s) => `${s}\0`), fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}))),
    engineConnection: setting(
      fc.oneof(fc.constantFrom('', '  ', 'podman-machine-default', 'remote@host', 'ctx:1'), fc.tuple(fc.constantFrom(...'aZ9'.split('')), fc.string({ unit: fc.constantFrom(...'az09_.@:-'.split('')), maxLength: 12 })).map(([a, b]) => a + b)),
      fc.oneof(fc.constantFrom('-x', '--remote', 'my context', 'a/b', '$(id)', '../ctx', 5, true, [], {}), nastyString.filter((s) => !/^([A-Za-z0-9][A-Za-z0-9_.@:-]*)?$/.test(s.trim()))),
    ),
    bindAddress: setting(
      fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('127.0.0.1', '::1', '0.0.0.0', '::')),
      fc.oneof(fc.constantFrom('localhost', 'everywhere', '127.0.0.1 ', '0.0.0.0:80', '[::1]', '', '999.1.1.1', 5, true, []), nastyString.filter((s) => net.isIP(s) === 0)),
    ),
    image: setting(goodImage, badImage),
    pullPolicy: oneOfSetting(['missing', 'never', 'always']),
    containerPort: wholeNumber(1, 65535),
    apps: setting(
      fc.array(goodAppEntry, { maxLength: 3 }),
      fc.oneof(
        fc.constantFrom({}, 'apps/web', 5, true),
        fc.tuple(fc.array(goodAppEntry, { maxLength: 2 }), badAppEntry, fc.array(goodAppEntry, { maxLength: 1 })).map(([a, b, c]) => [...a, b, ...c]),
      ),
    ),
    startupTimeoutSeconds: wholeNumber(1, 3600),
    idleTimeoutMinutes: wholeNumber(0, 7 * 24 * 60),
    releasePortOnIdle: setting(fc.boolean(), fc.oneof(fc.constantFrom('true', 'false', 0, 1, [], {}), nastyString)),
    reconcileIntervalSeconds: wholeNumber(5, 3600),
    resources: setting(goodResources, badResources),
    openPreviewOnRun: oneOfSetting(['tab', 'integratedBrowser', 'external', 'none']),
  })
  .map((cases) => {
    const values: Record<string, unknown> = {};
    const bad = new Set<string>();
    const add = (name: string, c: SettingCase): void => {
      values[name] = c.value;
      if (c.bad) {
        bad.add(name);
      }
    };
    const { portRange: range, ...rest } = cases;
    add('portRange.start', range.start);
    add('portRange.end', range.end);
    // A valid start above a valid end (either one possibly the default) is a reversed range: start is named.
    const start = (range.start.value ?? DEFAULT_START) as number;
    const end = (range.end.value ?? DEFAULT_END) as number;
    if (!range.start.bad && !range.end.bad && start > end) {
      bad.add('portRange.start');
    }
    for (const [name, c] of Object.entries(rest)) {
      add(name, c);
    }
    return { values, bad };
  });

/** Whatever globalState might hold under the leases key after a bug, an old version or a bad edit. */
const leaseKey = fc.oneof(fc.constantFrom('/w/a', '/w/b', '/w/c', '/w/d'), nastyString);
const validLease = fc.record(
  {
    key: leaseKey,
    appId: fc.oneof(fc.constantFrom('a', 'b'), nastyString),
    port: fc.oneof(fc.integer({ min: 34700, max: 34719 }), fc.integer({ min: 1, max: 65535 })),
    allocatedAt: fc.nat(),
    updatedAt: fc.nat(),
    confirmed: fc.boolean(),
    lastActiveAt: fc.nat(),
  },
  { requiredKeys: ['key', 'appId', 'port', 'allocatedAt', 'updatedAt'] },
);
const LEASE_FIELDS = ['key', 'appId', 'port', 'allocatedAt', 'updatedAt', 'confirmed', 'lastActiveAt'] as const;
const weird = fc.oneof(fc.anything(), fc.constantFrom(-1, 0, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '', '34700', null, true, [], {}));
const corruptedLease = fc.tuple(validLease, fc.constantFrom(...LEASE_FIELDS), weird).map(([lease, field, value]) => ({ ...lease, [field]: value }));

export const storedLeases: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  fc.record({
    version: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.anything() }),
    leases: fc.oneof({ weight: 5, arbitrary: fc.array(fc.oneof(validLease, corruptedLease, fc.anything()), { maxLength: 25 }) }, { weight: 1, arbitrary: fc.anything() }),
  }),
);

/** Text a crashed or foreign writer might have left in the lease journal file. */
export const journalText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.anything().map((value) => JSON.stringify(value) ?? 'undefined'),
  fc
    .record({
      version: fc.oneof(fc.constant(1), fc.anything()),
      changes: fc.oneof(fc.array(fc.oneof(validLease, corruptedLease, validLease.map((l) => ({ ...l, port: null })), fc.anything()), { maxLength: 10 }), fc.anything()),
    })
    .map((value) => JSON.stringify(value) ?? 'undefined'),
  fc.constantFrom('{"version":1,"changes":[', '', '\0\0\0', '{"version":1,"changes":[{"key":"/w/a"'),
);
