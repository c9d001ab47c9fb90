// Paper-level figures of the Ghost rewrites (GHOST.md anchors), computed by the engine on the
// rewritten source (the same figures test/torch/rewrite.test.ts checks against real PyTorch).
//
//   node scripts/build.mjs && node bench/rewrite.mjs
//
// (a) torchvision resnet50 rewritten with `--all` (G-Ghost stages at λ = 0.4, C-Ghost stem conv);
// (b) torchvision regnet_x_3_2gf with the official G-Ghost settings: ratio 0.5, only stages with
//     more than 2 blocks — compared with the official G-Ghost RegNetX-3.2GF (10,511,000 params,
//     1.802 G MACs); the goal is within 5 %.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TV = '/usr/lib/python3/dist-packages/torchvision/models';
const tmp = mkdtempSync(join(tmpdir(), 'ghostlens-bench-rw-'));
await build({
  stdin: { contents: `export { rewriteSource } from '${ROOT}src/core/rewrite/rewrite';\nexport { nodeHost } from '${ROOT}src/cli/nodeHost';\n`, resolveDir: ROOT, loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', outfile: join(tmp, 'core.mjs'), logLevel: 'warning',
});
const { rewriteSource, nodeHost } = await import(pathToFileURL(join(tmp, 'core.mjs')).href);

const fmt = (n) => n.toLocaleString('en-US');
const g = (n) => (n / 1e9).toFixed(3) + ' G';
const pct = (a, b) => `${(((b - a) / a) * 100).toFixed(1)}%`;

function run(file, model, settings, label) {
  const path = join(TV, file);
  const t0 = performance.now();
  const r = rewriteSource(nodeHost, path, readFileSync(path, 'utf8'), { model, all: true, settings });
  const ms = performance.now() - t0;
  console.log(`\n${label}  (rewrite + re-analysis ${ms.toFixed(0)} ms)`);
  for (const a of r.applied) console.log(`  rewrote ${a.kind} ${a.path}: ${a.detail}`);
  console.log(`  params ${fmt(r.before.params)} → ${fmt(r.after.params)} (${pct(r.before.params, r.after.params)})`);
  console.log(`  MACs   ${g(r.before.macs)} → ${g(r.after.macs)} (${pct(r.before.macs, r.after.macs)})`);
  return r;
}

try {
  run('resnet.py', 'resnet50()', {}, 'resnet50 --all (λ = 0.4, C-Ghost ratio 2)');
  const r = run('regnet.py', 'regnet_x_3_2gf()', { lambda: 0.5 }, 'regnet_x_3_2gf --all --lambda 0.5 (official G-Ghost settings)');
  const official = { params: 10_511_000, macs: 1.802e9 };
  const dp = (r.after.params - official.params) / official.params;
  const dm = (r.after.macs - official.macs) / official.macs;
  console.log(`  vs official G-Ghost RegNetX-3.2GF (${fmt(official.params)} params, ${g(official.macs)}):` +
    ` params ${(dp * 100).toFixed(2)}%, MACs ${(dm * 100).toFixed(2)}% → ${Math.abs(dp) <= 0.05 && Math.abs(dm) <= 0.05 ? 'within 5% (goal met)' : 'outside 5% (goal missed)'}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
