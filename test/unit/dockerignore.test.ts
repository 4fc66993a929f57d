import * as assert from 'node:assert/strict';
import { parseIgnoreFile } from '../../src/core/dockerignore';

/** The examples of Docker's .dockerignore documentation, and the matcher's corners. */
describe('.dockerignore rules', () => {
  const check = (rules: string, expected: Record<string, boolean>) => {
    const ignore = parseIgnoreFile(rules);
    for (const [file, excluded] of Object.entries(expected)) {
      assert.equal(ignore.excludes(file), excluded, `${file} with ${JSON.stringify(rules)}`);
    }
  };

  it('the reference’s example file: comments, */temp*, */*/temp*, temp?', () => {
    check('# comment\n*/temp*\n*/*/temp*\ntemp?\n', {
      'somedir/temporary.txt': true,
      'somedir/temp': true,
      'somedir/subdir/temporary.txt': true,
      tempa: true,
      temporary: false,
      'temp.txt': false,
      'a/b/c/temp': false,
      '# comment': false,
    });
  });

  it('** matches any number of folders, also none', () => {
    check('**/*.go\na/**/b\n', { 'main.go': true, 'cmd/x/main.go': true, 'a/b': true, 'a/x/b': true, 'a/x/y/b': true, 'a/x/y/c': false, 'main.gox': false });
  });

  it('exceptions: the last matching line decides', () => {
    check('*.md\n!README*.md\nREADME-secret.md\n', { 'CHANGES.md': true, 'README.md': false, 'README-secret.md': true, 'docs/a.md': false });
  });

  it('a folder pattern excludes what lies below it; leading slashes and ./ are cleaned; blanks ignored', () => {
    check('node_modules\n/dist/\n./build\n   \n.git\n', { 'node_modules/react/index.js': true, 'dist/app.js': true, 'build/x': true, '.git/config': true, 'src/node_modules.ts': false, 'src/dist/x': false });
  });

  it('classes, ? and escapes', () => {
    check('[abc].txt\n[^x]y\nfile\\*\nq?\n', { 'a.txt': true, 'd.txt': false, zy: true, xy: false, 'file*': true, filex: false, qa: true, 'q/a': false });
  });

  it('says whether exceptions exist (only then is an excluded folder walked)', () => {
    assert.equal(parseIgnoreFile('node_modules\n').hasExceptions, false);
    assert.equal(parseIgnoreFile('node_modules\n!node_modules/keep\n').hasExceptions, true);
    check('node_modules\n!node_modules/keep\n', { 'node_modules/keep': false, 'node_modules/keep/x': false, 'node_modules/other': true });
  });

  it('an empty file, or a malformed pattern, excludes nothing', () => {
    check('', { a: false, 'a/b': false });
    check('[unclosed\n', { '[unclosed': false, a: false });
  });
});
