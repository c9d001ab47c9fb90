// What a rewrite code action costs: the time to plan the exact rewrite behind its title (what the
// worker computes when the cursor reaches a diagnostic's site, and for the source action), and
// the titles themselves.
//
//   node bench/codeActions.mjs [--runs 5]
//
// Per model: every stage and conv site the diagnostics report, and "all candidates"; each planned
// once cold-ish (first in this process for that site) and then `runs` times warm: median.
// Goal: a site's plan ≤ 500 ms warm on torchvision's resnet50 (the lightbulb waits for it).
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODELS = [
  { path: join(ROOT, 'examples', 'resnet_cifar.py') },
  { path: '/usr/lib/python3/dist-packages/torchvision/models/resnet.py', model: 'resnet50()' },
];
const GOAL_MS = 500;
const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(process.argv[i + 1]) : 5;

async function load() {
  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-bench-'));
  const outfile = join(dir, 'actions.mjs');
  await build({
    stdin: {
      contents: "export { analyzeSource } from './src/core/python/index.ts';\n" +
        "export { nodeHost, defaultLibraryPaths } from './src/cli/nodeHost.ts';\n" +
        "export { computeDiagnostics } from './src/core/analysis/diagnostics.ts';\n" +
        "export { siteAction, siteTitle, allTitle } from './src/core/rewrite/actions.ts';\n" +
        "export { planRewrite } from './src/core/rewrite/plan.ts';\n",
      resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-actions.ts',
    },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile, logLevel: 'warning',
  });
  try { return await import(pathToFileURL(outfile).href); } finally { rmSync(dir, { recursive: true, force: true }); }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const e = await load();
let worst = 0;
for (const m of MODELS) {
  const text = readFileSync(m.path, 'utf8');
  const libraryPaths = e.defaultLibraryPaths();
  const g = e.analyzeSource(e.nodeHost, m.path, text, { model: m.model, libraryPaths });
  const opts = { model: g.model, input: g.input, libraryPaths };
  const sites = e.computeDiagnostics(g).filter((f) => f.kind !== 'unknown').map(e.siteAction);
  console.log(`\n${m.path.replace(ROOT, '')} — ${g.model}, ${sites.length} sites`);
  const jobs = [...sites.map((s) => ({ s, job: { kind: 'site', target: s.target } })), { s: null, job: { kind: 'all' } }];
  for (const { s, job } of jobs) {
    let t0 = performance.now();
    const plan = e.planRewrite(e.nodeHost, m.path, text, job, opts);
    const first = performance.now() - t0;
    const times = [];
    for (let r = 0; r < RUNS; r++) { t0 = performance.now(); e.planRewrite(e.nodeHost, m.path, text, job, opts); times.push(performance.now() - t0); }
    const med = median(times);
    if (s) worst = Math.max(worst, m.model ? med : 0);
    const title = s ? e.siteTitle(s, plan) : e.allTitle(plan);
    console.log(`  ${med.toFixed(0).padStart(5)} ms warm (${first.toFixed(0).padStart(5)} first)  ${title}${plan.refused ? `  [disabled: ${plan.refused}]` : ''}`);
  }
}
console.log(`\nslowest site plan on resnet50: ${worst.toFixed(0)} ms warm median (goal ≤ ${GOAL_MS} ms): ${worst <= GOAL_MS ? 'met' : 'NOT met'}`);
