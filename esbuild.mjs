// Bundles the extension into one CommonJS file (the shape the extension host loads fastest).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints start/end and errors as `file:line:column:` for the `$esbuild-watch` problem matcher. */
const problemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) {
          console.error(`    ${location.file}:${location.line}:${location.column}:`);
        }
      }
      console.log('[watch] build finished');
    });
  },
};

/**
 * execa lives in dist/execaRunner.js, required on the first engine call: activation then loads
 * half the code. The extension bundle keeps `require('./execaRunner')` as an external file.
 */
const lazyExecaPlugin = {
  name: 'lazy-execa',
  setup(build) {
    build.onResolve({ filter: /^\.\/execaRunner$/ }, () => ({ path: './execaRunner.js', external: true }));
  },
};

const ctx = await esbuild.context({
  entryPoints: { extension: 'src/extension.ts', execaRunner: 'src/core/engine/execaRunner.ts' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // jsonc-parser's "main" is a UMD build whose relative requires a bundle cannot follow; its ESM build bundles.
  mainFields: ['module', 'main'],
  target: 'node20',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  outdir: 'dist',
  metafile: true,
  logLevel: 'silent',
  plugins: [problemMatcherPlugin, lazyExecaPlugin],
});

if (watch) {
  await ctx.watch();
} else {
  const result = await ctx.rebuild();
  await ctx.dispose();
  if (result.errors.length > 0) {
    process.exit(1);
  }
}
