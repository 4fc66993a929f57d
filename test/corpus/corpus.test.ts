import * as path from 'node:path';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { realEngine } from '../engine/helpers';
import { REPO_ROOT } from '../harness/prerequisites';
import { checkTemplate, CorpusRun, reportResults } from './corpusRun';
import { TEMPLATES } from './templates';

/**
 * `npm run test:corpus`: every template of the corpus (CORPUS_ONLY=id,id for some), one after
 * another on one controller, sharing one test-specific package cache volume. Host ports
 * 36100–36199. The results table is printed and written to .test-artifacts/corpus-results.json.
 */
describe('corpus: real templates, real podman, through AppController, rendered in Chromium', function () {
  this.timeout(4 * 3600_000);
  let engine: ContainerEngine;
  let run: CorpusRun | undefined;
  const only = process.env.CORPUS_ONLY?.split(',').filter(Boolean);

  before(async function () {
    engine = await realEngine(this);
    run = await CorpusRun.create(engine, { ports: { start: 36100, end: 36199 }, label: 'full' });
  });

  after(async () => {
    if (run) {
      await reportResults(run.results, path.join(REPO_ROOT, '.test-artifacts', 'corpus-results.json'));
      await run.dispose();
    }
  });

  for (const template of TEMPLATES.filter((t) => !only || only.includes(t.id))) {
    it(`${template.id}: ${template.stack} with ${template.packageManager} starts, renders its own client text${template.edit ? (template.edit.hot ? ', hot-reloads an edit' : ', shows an edit') : ''}`, async () => {
      await checkTemplate(run!, template);
    });
  }
});
