import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import fc from 'fast-check';
import type { AppRef } from '../../src/core/appIdentity';
import { containerNameFor } from '../../src/core/appIdentity';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { LABEL_APP, LABEL_MANAGED, LABEL_PATH, LABEL_PORT } from '../../src/core/engine/labels';
import { ContainerRuntimeError } from '../../src/core/errors';
import { fetchText, makeController, realEngine, TestWorkspace } from '../engine/helpers';
import { folderName } from './arbitraries';
import { containersUnder, figure, removeContainers } from './helpers';

const RANGE = { start: 34300, end: 34399 };
const SEED = 20_260_801;
const RANDOM_NAMES = 20;
const AT_ONCE = 6;
/**
 * The classics (spaces, unicode, `..`, leading dashes, `$()`, quotes, newlines, `:` and `,`), always
 * included; the random ones come from the same generator as the cheap properties.
 */
const CLASSIC_NAMES = [' spaced ünï 日本 🚀 ', '-rf --privileged $(touch pwned)', "..it's `id` \"hi\"", '--volume=x:y;|&', 'new\nline', 'colon:and,comma'];

describe('Reliability: bad input on the real engine (random folder names, podman)', function () {
  this.timeout(180_000);
  let engine: ContainerEngine;
  let workspace: TestWorkspace | undefined;

  before(async function () {
    engine = await realEngine(this);
  });

  afterEach(async () => {
    if (workspace) {
      await removeContainers((await containersUnder(engine, workspace.root)).map((c) => c.id));
      await workspace.cleanUp(undefined);
    }
    workspace = undefined;
  });

  it(`apps in ${CLASSIC_NAMES.length} classic + ${RANDOM_NAMES} random folder names really run, with exact labels and mounts; unmountable ones are refused cleanly`, async () => {
    workspace = await TestWorkspace.create('pc-rel-names');
    const random = fc.sample(folderName, { seed: SEED, numRuns: RANDOM_NAMES * 3 });
    const names = [...new Set([...CLASSIC_NAMES, ...random])].slice(0, CLASSIC_NAMES.length + RANDOM_NAMES);
    const apps: AppRef[] = [];
    for (const [i, name] of names.entries()) {
      apps.push(await workspace.addApp(name, { name: `meta-${i}` }));
    }
    const { controller } = makeController(engine, RANGE);
    const cwdBefore = await fs.readdir(process.cwd());
    let ran = 0;
    const refused: string[] = [];
    for (let i = 0; i < apps.length; i += AT_ONCE) {
      await Promise.all(
        apps.slice(i, i + AT_ONCE).map(async (app, j) => {
          const index = i + j;
          const mountable = !app.folder.includes('\n') && !(app.folder.includes(':') && app.folder.includes(','));
          const run = controller.run({ ref: app, override: { path: app.folder, command: ['node', 'server.js'] } });
          if (!mountable) {
            await assert.rejects(run, (error: unknown) => error instanceof ContainerRuntimeError && error.message.startsWith(`The container runtime could not start ${app.appId}: The app folder`));
            assert.deepEqual((await containersUnder(engine, workspace!.root)).filter((c) => c.labels[LABEL_PATH] === app.key), [], `nothing created for ${JSON.stringify(app.folder)}`);
            refused.push(app.folder);
            return;
          }
          const result = await run;
          assert.equal(await fetchText(`${result.url}name`), `meta-${index}`, `${JSON.stringify(app.folder)} serves its own code`);
          const details = await engine.inspect(containerNameFor(app));
          assert.ok(details, `container of ${JSON.stringify(app.folder)}`);
          assert.deepEqual(
            Object.fromEntries(Object.entries(details.labels).filter(([k]) => k.startsWith('previewContainers.'))),
            { [LABEL_MANAGED]: 'true', [LABEL_APP]: app.appId, [LABEL_PORT]: String(result.port), [LABEL_PATH]: app.folder },
            'labels exact',
          );
          assert.deepEqual(details.mountSources, [app.folder], 'only the app folder is mounted, at its exact path');
          assert.equal(details.privileged, false);
          ran++;
        }),
      );
    }
    // Nothing a name could have injected ran on the host.
    assert.deepEqual((await fs.readdir(workspace.root)).sort(), [...names].sort(), 'the workspace holds only the app folders');
    assert.deepEqual(await fs.readdir(process.cwd()), cwdBefore, 'nothing new in the working directory');
    for (const app of apps) {
      assert.deepEqual((await fs.readdir(app.folder)).sort(), ['package.json', 'server.js'], `nothing new in ${JSON.stringify(app.folder)}`);
    }
    assert.equal(ran + refused.length, names.length);
    figure('bad input: real podman names', { names: names.length, seed: SEED, ran, refusedClearly: refused.length, labelsOrMountsWrong: 0 });
  });
});
