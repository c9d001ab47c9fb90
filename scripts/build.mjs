// Bundles the extension, its analysis worker, the CLI and (with --tests) the test files with
// esbuild; --e2e bundles the tests in a real VS Code (test/vscode: harness and in-host suite).
import { build } from 'esbuild';
import { readdirSync, statSync, chmodSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const withTests = process.argv.includes('--tests');
const withE2e = process.argv.includes('--e2e');
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

// The extension bundle stays small (activation ≤ 50 ms): the engine lives in dist/worker.js.
// Its first and last lines stamp the load so activate() can report the bundle's load time.
await build({ ...common, entryPoints: [join(root, 'src/extension.ts')], outfile: join(root, 'dist/extension.js'),
  external: ['vscode', 'onnxruntime-node'], banner: { js: 'var __ghostlensLoadStart = [performance.now(), process.cpuUsage()];' },
  footer: { js: 'var __ghostlensLoadEnd = [performance.now(), process.cpuUsage()];' } });
await build({ ...common, entryPoints: [join(root, 'src/worker.ts')], outfile: join(root, 'dist/worker.js'),
  external: ['onnxruntime-node'] });
// The CLI: dist/cli.js is its launcher (src/cli/launch.ts: runs dist/cliMain.js from V8's kept code).
await build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cliMain.js'),
  external: ['onnxruntime-node'] });
await build({ ...common, entryPoints: [join(root, 'src/cli/launch.ts')], outfile: join(root, 'dist/cli.js'),
  banner: { js: '#!/usr/bin/env node' } });
chmodSync(join(root, 'dist/cli.js'), 0o755);
// The profiling child process (forked by src/core/profile/runner.ts): crashes/hangs of an
// onnxruntime execution provider stay out of the extension host and the CLI.
await build({ ...common, entryPoints: [join(root, 'src/profileWorker.ts')], outfile: join(root, 'dist/profileWorker.js'),
  external: ['onnxruntime-node'] });
// The redundancy child (forked by src/core/redundancy/runner.ts): streams calibration batches
// through onnxruntime and returns only sums, so the caller's memory stays flat.
await build({ ...common, entryPoints: [join(root, 'src/redundancyWorker.ts')], outfile: join(root, 'dist/redundancyWorker.js'),
  external: ['onnxruntime-node'] });
// The ghostify child (forked by src/core/ghostify/runner.ts): rewrite, fits and the held-out
// comparison of a trained model, out of the caller's process.
await build({ ...common, entryPoints: [join(root, 'src/ghostifyWorker.ts')], outfile: join(root, 'dist/ghostifyWorker.js'),
  external: ['onnxruntime-node'] });
// The panel's webview (a browser page): dist/webview/panel.js + panel.css with the codicon font
// beside them; the panel's localResourceRoots is that one folder.
await build({ bundle: true, platform: 'browser', format: 'iife', target: 'chrome120', minify: true, sourcemap: true, logLevel: 'warning',
  entryPoints: { panel: join(root, 'webview/main.ts') }, outdir: join(root, 'dist/webview'),
  loader: { '.ttf': 'file' }, assetNames: '[name]', legalComments: 'linked' });

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

if (withE2e) {
  // Harness (plain node: code-server + playwright-core) and the mocha suite that runs inside the
  // extension host; mocha and playwright-core stay external (loaded from node_modules).
  const suite = readdirSync(join(root, 'test/vscode/suite')).filter((n) => n.endsWith('.ts')).map((n) => join(root, 'test/vscode/suite', n));
  await build({ ...common, entryPoints: [join(root, 'test/vscode/run.ts'), ...suite], outdir: join(root, 'out/test/vscode'),
    outbase: join(root, 'test/vscode'), external: ['vscode', 'mocha', 'playwright-core', 'onnxruntime-node'] });
}
