import { checkTemplate, useCorpusRun } from '../corpus/corpusRun';
import { templateById } from '../corpus/templates';

/**
 * The part of the corpus that runs in `npm test` (the whole corpus: `npm run test:corpus`):
 * the AI-builder pnpm scaffold, a yarn (berry) and a bun app, and a pnpm monorepo's member app
 * (an edit to its sibling package), all with a failing corepack. Host
 * ports 36000–36049. The layer also runs the corpus' two proxy-domain checks
 * (test/corpus/proxiedVite.test.ts, nextOrigins.test.ts: see .mocharc.engine.json).
 */
describe('real apps (corpus subset): pnpm, yarn berry, bun and a pnpm monorepo without corepack', function () {
  this.timeout(1_800_000);
  const { run } = useCorpusRun({ ports: { start: 36000, end: 36049 }, label: 'subset', codeServerPort: 36490 });

  it('the AI-builder scaffold (pnpm-lock.yaml, no packageManager, Vite pinned to [::]:8080) installs with pnpm from the npm registry, starts on our port, renders and hot-reloads', async () => {
    const row = await checkTemplate(run(), templateById('ai-builder-pnpm'));
    console.log(`      cold ${row.coldMs} ms, warm ${row.warmMs} ms, edit ${row.hmr}`);
  });

  for (const id of ['yarn-berry-vue', 'bun-react', 'pnpm-monorepo']) {
    it(`${id}: installed by its own package manager (from the npm registry, corepack failing), renders and hot-reloads`, async () => {
      const row = await checkTemplate(run(), templateById(id));
      console.log(`      ${row.plan}: cold ${row.coldMs} ms, warm ${row.warmMs} ms, edit ${row.hmr}`);
    });
  }
});
