// Bundles the extension, the CLI and (with --tests) the test files with esbuild.
import { build } from 'esbuild';
import { readdirSync, statSync, chmodSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const withTests = process.argv.includes('--tests');
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

await build({ ...common, entryPoints: [join(root, 'src/extension.ts')], outfile: join(root, 'dist/extension.js'),
  external: ['vscode', 'onnxruntime-node'] });
await build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli.js'),
  external: ['onnxruntime-node'], banner: { js: '#!/usr/bin/env node' } });
chmodSync(join(root, 'dist/cli.js'), 0o755);

if (withTests) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) { if (name !== 'fixtures' && name !== 'vscode') walk(p); }
      else if (name.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(join(root, 'test'));
  await build({ ...common, entryPoints: files, outdir: join(root, 'out/test'), outbase: join(root, 'test'),
    external: ['vscode', 'onnxruntime-node'] });
  void relative;
}
