import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { resolveAppConfig, type FolderInfo } from '../../src/core/appFolder';
import { containerNameFor, dependencyVolumeFor, makeAppRef } from '../../src/core/appIdentity';
import { CliEngine } from '../../src/core/engine/cliEngine';
import type { Exec, ExecResult } from '../../src/core/engine/exec';
import { RunSpecError } from '../../src/core/engine/engineErrors';
import { buildRunArgs, type RunSpec } from '../../src/core/engine/runArgs';
import { ContainerRuntimeError, PoolExhaustedError, PreviewContainersError, SettingsError } from '../../src/core/errors';
import { FileLeaseJournal } from '../../src/core/fileLeaseJournal';
import { decodeLeases, leaseChangeSchema, leaseSchema, LeaseStore, LEASES_KEY } from '../../src/core/leaseStore';
import { InMemoryMemento, type MementoLike } from '../../src/core/memento';
import { PortAllocator } from '../../src/core/portAllocator';
import { parsePortRange } from '../../src/core/portRange';
import { checkImage, readSettings } from '../../src/core/settings';
import { fakeWorld } from '../unit/fakeWorld';
import { FakeProbe, RecordingLogger, tempDir } from '../unit/helpers';
import { envValue, goodAppEntry, goodCommand, goodEnv, goodImage, journalText, nastyString, relativeFolder, settingsCase, storedLeases } from './arbitraries';
import { duplicatesOf, figure } from './helpers';
import { assertRunArgv, expectedFrom } from './runArgv';
import { unmirrored } from '../../src/core/sourceMirror';
import { withColour } from '../../src/core/start/launch';
import { hostCapacity, resolveLimits } from '../../src/core/resources';

const CHEAP_RUNS = 10_000;
const CONTROLLER_RUNS = 500;
const JOURNAL_RUNS = 1_000;
const PROPERTY_RANGE = parsePortRange(34700, 34719);
const FAKE_ENGINE_RANGE = { start: 34400, end: 34449 };
const WORKSPACE = '/home/dev/my workspace';
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Why `buildRunArgs` must refuse this folder, if it must. */
function unmountable(folder: string): string | undefined {
  if (folder.includes('\n') || folder.includes('\0')) {
    return 'line break or NUL';
  }
  return folder.includes(':') && folder.includes(',') ? 'both ":" and ","' : undefined;
}

/** An Exec that runs nothing and remembers what it was asked to run. */
function recordingExec(calls: { file: string; args: readonly string[] }[]): Exec {
  return (file, args) => {
    calls.push({ file, args });
    const result: ExecResult = { stdout: 'c0ffee\n', stderr: '', all: '', exitCode: 0, spawnError: undefined, timedOut: false, cancelled: false };
    return Promise.resolve(result);
  };
}

/** Counts uncaught exceptions and unhandled rejections while a property runs (mocha would only see the first). */
function trackUncaught(): { stop(): string[] } {
  const seen: string[] = [];
  const onError = (error: unknown): void => void seen.push(String(error));
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    stop: () => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
      return seen;
    },
  };
}

describe('Reliability: bad input (property-based, fast-check)', function () {
  this.timeout(120_000);

  it(`app folder names and ids (${CHEAP_RUNS} cases): identities valid, every engine argument its own argv entry, no shell, clear refusals`, async () => {
    const uncaught = trackUncaught();
    let refused = 0;
    const names = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(
        relativeFolder,
        nastyString,
        fc.record({ image: goodImage, containerPort: fc.integer({ min: 1, max: 65535 }), command: fc.array(nastyString, { maxLength: 4 }), env: goodEnv, bindAddress: fc.constantFrom('127.0.0.1', '::1', '0.0.0.0') }),
        // The dependency cache volume: none, the app's own, or any string (must be refused unless a plain volume name).
        fc.option(fc.oneof({ weight: 3, arbitrary: fc.constant('own') }, { weight: 1, arbitrary: nastyString }), { nil: undefined }),
        async (relative, displayName, rest, volume) => {
          const ref = makeAppRef(path.join(WORKSPACE, relative), WORKSPACE, displayName);
          assert.equal(ref.key, path.resolve(ref.key), 'key is absolute and normalized');
          assert.equal(ref.folder, ref.key);
          assert.ok(!ref.key.split(path.sep).includes('..'));
          assert.match(ref.appId, SLUG);
          assert.ok(ref.appId.length <= 48);
          assert.ok(ref.name !== '', 'a display name');
          const name = containerNameFor(ref);
          assert.match(name, CONTAINER_NAME);
          assert.ok(name.length <= 63);
          const seen = names.get(name);
          assert.ok(seen === undefined || seen === ref.key, `two folders share the container name ${name}`);
          names.set(name, ref.key);

          const { allocator } = new AllocatorFixture();
          const lease = await allocator.allocatePort(ref);
          const dependencyVolume = volume === 'own' ? dependencyVolumeFor(ref) : volume;
          const spec: RunSpec = { lease, name, ...rest, ...(dependencyVolume === undefined ? {} : { dependencyVolume }) };
          const calls: { file: string; args: readonly string[] }[] = [];
          const engine = new CliEngine({ kind: 'podman', binary: 'podman', exec: recordingExec(calls), stream: () => Promise.reject(new Error('unused')), logger: new RecordingLogger() });
          // Every reason this start must be refused; the message must give one of them.
          const causes = [
            ...(/[\n\0]/.test(ref.folder) ? [`The app folder contains a line break or NUL character: ${JSON.stringify(ref.folder)}`] : []),
            ...(rest.command.some((part) => part.includes('\0')) ? ['The command contains a NUL character'] : []),
            ...(ref.folder.includes(':') && ref.folder.includes(',') ? [`The app folder path contains both ":" and ","`] : []),
            ...(dependencyVolume !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/.test(dependencyVolume) ? ['Invalid volume name'] : []),
          ];
          if (causes.length > 0) {
            refused++;
            await assert.rejects(engine.run(spec), (error: unknown) => {
              assert.ok(error instanceof RunSpecError, String(error));
              assert.ok(causes.some((cause) => error.message.startsWith(cause)), `${error.message} gives none of: ${causes.join(' | ')}`);
              return true;
            });
            assert.equal(calls.length, 0, 'nothing executed');
            return;
          }
          assert.equal(await engine.run(spec), 'c0ffee');
          assert.equal(calls.length, 1);
          const [call] = calls;
          assert.equal(call?.file, 'podman', 'the engine binary itself, no shell in between');
          assert.deepEqual(call?.args, buildRunArgs(spec));
          assertRunArgv(call?.args ?? [], expectedFrom(spec));
        },
      ),
      { numRuns: CHEAP_RUNS },
    );
    assert.deepEqual(uncaught.stop(), []);
    figure('bad input: folder names and ids', { cases: CHEAP_RUNS, refusedClearly: refused, argvChecked: CHEAP_RUNS - refused, distinctContainerNames: names.size, uncaught: 0 });
  });

  it(`settings (${CHEAP_RUNS} cases): valid ones read back exactly, every invalid one fails with a SettingsError naming it`, () => {
    let failures = 0;
    const named = new Map<string, number>();
    fc.assert(
      fc.property(settingsCase, ({ values, bad }) => {
        let settings;
        let error: unknown;
        try {
          settings = readSettings((name) => values[name]);
        } catch (caught) {
          error = caught;
        }
        if (bad.size === 0) {
          assert.equal(error, undefined, `valid settings refused: ${String(error)}`);
          assert.ok(settings);
          const { start, end, size } = settings.portRange;
          assert.ok(start >= 1024 && start <= end && end <= 65535 && size === end - start + 1);
          assert.equal(checkImage('x', settings.image), settings.image);
          assert.ok(Number.isInteger(settings.startupTimeoutSeconds) && settings.startupTimeoutSeconds >= 1 && settings.startupTimeoutSeconds <= 3600);
          assert.equal(settings.apps.length, Array.isArray(values['apps']) ? values['apps'].length : 0);
          return;
        }
        failures++;
        assert.ok(error instanceof SettingsError, `expected a SettingsError for ${[...bad].join(', ')}, got ${String(error)}`);
        const setting = error.setting ?? '';
        assert.ok(setting.startsWith('previewContainers.'), setting);
        const short = setting.slice('previewContainers.'.length);
        assert.ok([...bad].some((b) => short === b || short.startsWith(`${b}[`) || short.startsWith(`${b}.`)), `named ${setting}, but the bad ones are ${[...bad].join(', ')}`);
        assert.ok(error.message.startsWith(`Setting "${setting}" is invalid: `), error.message);
        assert.ok(!error.message.includes('\n') && !error.message.includes('\0'), `one clean line: ${JSON.stringify(error.message)}`);
        assert.ok(error.message.length < 300, error.message);
        assert.deepEqual(error.actions, ['openSettings']);
        const group = short.replace(/\[\d+\].*/, '[]');
        named.set(group, (named.get(group) ?? 0) + 1);
      }),
      { numRuns: CHEAP_RUNS },
    );
    figure('bad input: settings', { cases: CHEAP_RUNS, invalid: failures, valid: CHEAP_RUNS - failures, namedSettings: named.size, unclear: 0 });
  });

  it(`corrupted globalState (${CHEAP_RUNS} cases): never an exception, only valid leases kept, allocation still sound`, async () => {
    let warned = 0;
    await fc.assert(
      fc.asyncProperty(storedLeases, async (stored) => {
        let current: unknown = stored;
        // Raw, not JSON-cloned: whatever is there (NaN, -0, nested junk) reaches the decoder as is.
        const memento: MementoLike = {
          get: <T>() => current as T,
          update: (_key: string, value: unknown) => {
            current = value;
            return Promise.resolve();
          },
        };
        const fixture = new AllocatorFixture(memento);
        const table = await new LeaseStore(memento, fixture.logger).load();
        for (const lease of table.values()) {
          assert.ok(leaseSchema.safeParse(lease).success, JSON.stringify(lease));
        }
        assert.deepEqual(duplicatesOf([...table.values()].map((l) => l.port)), [], 'two leases on one port');
        const rawCount = typeof stored === 'object' && stored !== null && Array.isArray((stored as { leases?: unknown }).leases) ? (stored as { leases: unknown[] }).leases.length : 0;
        if (table.size < rawCount) {
          assert.ok(fixture.logger.warnings.length > 0, 'dropping leases is logged');
        }
        warned += fixture.logger.warnings.length > 0 ? 1 : 0;
        const app = makeAppRef('/w/new app', '/w');
        try {
          const lease = await fixture.allocator.allocatePort(app);
          assert.ok(lease.port >= PROPERTY_RANGE.start && lease.port <= PROPERTY_RANGE.end);
          assert.ok(![...table.values()].some((l) => l.port === lease.port && l.key !== app.key), 'never a port another lease holds');
        } catch (error) {
          assert.ok(error instanceof PoolExhaustedError, String(error));
        }
        const list = await fixture.allocator.listAllocations();
        assert.equal(list.allocatedCount + list.availableCount, PROPERTY_RANGE.size);
        // Whatever was read, what is written back (a moment after the change) is clean.
        await fixture.allocator.flush();
        const reread = new RecordingLogger();
        decodeLeases(current, reread);
        assert.deepEqual(reread.warnings, []);
      }),
      { numRuns: CHEAP_RUNS },
    );
    figure('bad input: corrupted globalState', { cases: CHEAP_RUNS, recoveredWithWarning: warned, exceptions: 0 });
  });

  it(`corrupted lease journal file (${JOURNAL_RUNS} cases): read never throws, only valid changes used, rewritten cleanly`, async () => {
    const dir = await tempDir('pc-rel-journal');
    try {
      await fc.assert(
        fc.asyncProperty(journalText, storedLeases, async (text, stored) => {
          await fs.writeFile(path.join(dir, 'lease-journal.json'), text);
          const logger = new RecordingLogger();
          const journal = new FileLeaseJournal(dir, Date.now, logger);
          const { changes } = await journal.read();
          for (const change of changes) {
            assert.ok(leaseChangeSchema.safeParse(change).success);
          }
          const memento = new InMemoryMemento();
          await memento.update(LEASES_KEY, stored);
          const fixture = new AllocatorFixture(memento, journal);
          try {
            await fixture.allocator.allocatePort(makeAppRef('/w/j', '/w'));
          } catch (error) {
            assert.ok(error instanceof PoolExhaustedError, String(error));
            return;
          }
          const rewritten = JSON.parse(await fs.readFile(path.join(dir, 'lease-journal.json'), 'utf8')) as { version: number; changes: unknown[] };
          assert.equal(rewritten.version, 1);
          assert.ok(rewritten.changes.every((c) => leaseChangeSchema.safeParse(c).success));
        }),
        { numRuns: JOURNAL_RUNS },
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    figure('bad input: corrupted journal', { cases: JOURNAL_RUNS, exceptions: 0 });
  });

  it(`whole start path with random folders and app settings (${CONTROLLER_RUNS} cases, fake engine with real sockets): runs with exact argv, or a clear error and nothing left`, async () => {
    let folderInfo: FolderInfo = FOLDERS[0];
    const world = fakeWorld({ start: FAKE_ENGINE_RANGE.start, inspectFolder: () => Promise.resolve(folderInfo) });
    const { engine, allocator, controller, settings } = world;
    const uncaught = trackUncaught();
    let started = 0;
    let refused = 0;
    try {
      await fc.assert(
        // Folders with NUL cannot exist on disk, and settings refuse such paths (both covered above).
        fc.asyncProperty(relativeFolder.filter((f) => !f.includes('\0')), goodAppEntry, fc.option(goodCommand, { nil: undefined }), fc.dictionary(fc.constantFrom('A', 'B_2', 'lower'), envValue, { maxKeys: 2 }), fc.constantFrom(...FOLDERS), async (relative, entry, command, env, info) => {
          const ref = makeAppRef(path.join(WORKSPACE, relative), WORKSPACE);
          const override = { ...entry, path: ref.folder, image: 'localhost/preview-node:test', env, ...(command === undefined ? {} : { command }) };
          world.setSettings(
            readSettings((name) => ({ 'portRange.start': FAKE_ENGINE_RANGE.start, 'portRange.end': FAKE_ENGINE_RANGE.end, image: 'localhost/preview-node:test', startupTimeoutSeconds: 5, apps: [override] })[name]),
          );
          folderInfo = info;
          const def = { ref, override: settings().apps[0] };
          // What the app's settings and folder call for (zero-config inference included).
          const config = resolveAppConfig(settings(), def.override, info);
          const before = engine.runArgs.length;
          try {
            const result = await controller.run(def);
            started++;
            assert.equal(engine.runArgs.length, before + 1, 'one engine run per start');
            assertRunArgv(engine.runArgs[before] ?? [], {
              folder: ref.folder,
              appId: ref.appId,
              port: result.port,
              name: containerNameFor(ref),
              image: 'localhost/preview-node:test',
              bindAddress: '127.0.0.1',
              containerPort: config.containerPort,
              command: config.command,
              env: withColour(config.env, undefined),
              volumes: config.volumes,
              limits: resolveLimits(settings().resources, def.override?.resources, hostCapacity()),
              ...(config.cacheDependencies ? { dependencyVolume: dependencyVolumeFor(ref) } : {}),
            });
            if (typeof command === 'string') {
              assert.deepEqual(unmirrored(config.command), ['sh', '-c', command], 'a command string runs as one sh -c argument (inside the source mirror)');
            }
            assert.equal(controller.stateOf(ref).status, 'running');
            assert.equal(result.port, await allocator.leaseOf(ref.key));
            await controller.release(ref);
          } catch (error) {
            refused++;
            assert.ok(error instanceof PreviewContainersError, `not a user-facing error: ${String(error)}`);
            assert.ok(error instanceof ContainerRuntimeError, String(error));
            assert.ok(unmountable(ref.folder), `refused a mountable folder ${JSON.stringify(ref.folder)}: ${error.message}`);
            assert.match(error.message, /^The container runtime could not start [a-z0-9-]+: The app folder/);
            assert.equal(await allocator.leaseOf(ref.key), undefined, 'no lease left');
          }
          assert.equal(engine.containers.size, 0, 'no container left');
        }),
        { numRuns: CONTROLLER_RUNS },
      );
    } finally {
      await engine.closeAll();
    }
    assert.deepEqual(uncaught.stop(), []);
    figure('bad input: controller + fake engine', { cases: CONTROLLER_RUNS, started, refusedClearly: refused, leftovers: 0, uncaught: 0 });
  });
});

/** App folders as inspectFolder reports them: none, plain node, a Vite app with dependencies, dependencies without a script. */
const FOLDERS: readonly FolderInfo[] = [
  { pkg: undefined, hasNodeModules: false, files: new Set() },
  { pkg: { name: 'plain', scripts: { start: 'node server.js' }, main: undefined, hasDependencies: false, dependencies: {}, packageManager: undefined }, hasNodeModules: false, files: new Set(['package.json']) },
  { pkg: { name: 'vite-app', scripts: { dev: 'vite' }, main: undefined, hasDependencies: true, dependencies: { vite: '^7.0.0' }, packageManager: undefined }, hasNodeModules: false, files: new Set(['package.json', 'package-lock.json']) },
  { pkg: { name: 'deps', scripts: {}, main: 'main.js', hasDependencies: true, dependencies: { express: '^5' }, packageManager: 'pnpm@9.1.0' }, hasNodeModules: true, files: new Set(['package.json']) },
];

/** An allocator over a memento (in memory by default), a fake probe and an optional journal. */
class AllocatorFixture {
  readonly logger = new RecordingLogger();
  readonly allocator: PortAllocator;

  constructor(memento: MementoLike = new InMemoryMemento(), journal?: FileLeaseJournal) {
    this.allocator = new PortAllocator({
      store: new LeaseStore(memento, this.logger, journal),
      probe: new FakeProbe(),
      range: () => PROPERTY_RANGE,
      clock: Date.now,
      logger: this.logger,
    });
  }
}
