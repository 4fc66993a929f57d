/**
 * Fetches the corpus of real project templates (test/corpus/templates.ts) into the cache folder,
 * by running their generators from the npm registry. Idempotent and fast when cached: a template
 * whose folder is complete is left alone. `npm run setup` runs it.
 *
 * CORPUS_ONLY=id,id limits it to some templates.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { corpusDir, TEMPLATES, type Tools } from '../test/corpus/templates';

const STAMP = '.corpus-complete';

function log(line: string): void {
  process.stderr.write(`[corpus] ${line}\n`);
}

async function isFetched(dir: string): Promise<boolean> {
  return fs.access(path.join(dir, STAMP)).then(
    () => true,
    () => false,
  );
}

async function main(): Promise<void> {
  const root = corpusDir();
  const only = process.env.CORPUS_ONLY?.split(',').filter(Boolean);
  const tools: Tools = {
    shared: path.join(root, '.shared'),
    run: async (cwd, command, args) => {
      // No questions (stdin closed, npx may install), no colours in the captured output.
      const result = await execa(command, args, { cwd, stdin: 'ignore', all: true, reject: false, env: { npm_config_yes: 'true', NO_COLOR: '1', NG_CLI_ANALYTICS: 'false' } });
      if (result.exitCode !== 0) {
        throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode}) in ${cwd}:\n${result.all?.slice(-3000) ?? ''}`);
      }
    },
  };
  await fs.mkdir(root, { recursive: true });
  let failed = 0;
  for (const template of TEMPLATES.filter((t) => !only || only.includes(t.id))) {
    const dir = path.join(root, template.id);
    if (await isFetched(dir)) {
      continue;
    }
    const started = Date.now();
    const tmp = `${dir}.tmp-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true });
    try {
      await template.make(tmp, tools);
      await fs.writeFile(path.join(tmp, STAMP), `${template.source}\n`);
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(tmp, dir);
      log(`${template.id}: fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed++;
      log(`${template.id}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }
  log(failed === 0 ? `ready in ${root}` : `${failed} template(s) could not be fetched (the tests that need them will fail)`);
  process.exitCode = failed === 0 ? 0 : 1;
}

if (require.main === module) {
  void main();
}
