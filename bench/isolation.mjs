// What isolating the engine costs per keystroke: the editor's Engine (src/editor/engine.ts) with
// the engine in a child process (what the extension uses) vs a worker thread of the same process,
// on the same requests. Per model, `runs` analyze requests as the editor sends them after an edit
// (the text changes each time, so no result is reused): median and p90 of request -> result,
// after one warm-up; and the cold start (first request, engine start and load included).
// It also checks the point of the child process: a file whose analysis kills V8 (the budget set
// out of the way, a small V8 heap) ends the child, and the next request still gets its result.
//
//   node scripts/build.mjs && node bench/isolation.mjs [--runs 30]
// Goal: the process costs no more than a few ms per request over the thread (cold start aside).
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODELS = [
  { name: 'resnet_cifar.py (examples)', path: join(ROOT, 'examples', 'resnet_cifar.py') },
  { name: 'torchvision resnet50', path: '/usr/lib/python3/dist-packages/torchvision/models/resnet.py', model: 'resnet50()' },
];
const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(process.argv[i + 1]) : 30;
const WORKER = join(ROOT, 'dist', 'worker.js');

async function load() {
  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-bench-'));
  const outfile = join(dir, 'engine.mjs');
  await build({
    stdin: { contents: "export { Engine } from './src/editor/engine.ts';\nexport { DEFAULT_DIAGNOSTICS } from './src/core/analysis/diagnostics.ts';\n", resolveDir: ROOT, loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error',
  });
  const m = await import(pathToFileURL(outfile).href);
  rmSync(dir, { recursive: true, force: true });
  return m;
}

const { Engine, DEFAULT_DIAGNOSTICS } = await load();
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const request = (m, k) => ({
  type: 'analyze', path: m.path, text: `${readFileSync(m.path, 'utf8')}\n# edit ${k}\n`, open: {},
  entry: { model: m.model }, diagnostics: DEFAULT_DIAGNOSTICS,
});

console.log(`keystroke -> diagnostics through the Engine, ${RUNS} runs per model (median / p90 ms; cold = first request)`);
for (const m of MODELS) {
  for (const isolation of ['thread', 'process']) {
    const engine = new Engine(WORKER, { staleGraceMs: 750, timeoutMs: 60_000, isolation });
    let t = performance.now();
    const first = await engine.run('k', request(m, -1));
    const cold = performance.now() - t;
    if (!first.graph) throw new Error(`${m.name}: ${first.error?.message}`);
    const times = [], inEngine = [];
    for (let k = 0; k < RUNS; k++) {
      t = performance.now();
      const r = await engine.run('k', request(m, k));
      times.push(performance.now() - t);
      inEngine.push(r.ms);
    }
    engine.dispose();
    const over = times.map((x, j) => x - inEngine[j]);
    console.log(`  ${m.name.padEnd(28)} ${isolation.padEnd(8)} median ${pct(times, 0.5).toFixed(1).padStart(6)}  p90 ${pct(times, 0.9).toFixed(1).padStart(6)}` +
      `  (analysis ${pct(inEngine, 0.5).toFixed(1)}, transport ${pct(over, 0.5).toFixed(1)})  cold ${cold.toFixed(0)}`);
  }
}

// A real fatal V8 error in the engine: what each kind of isolation does with it.
const bomb = { type: 'analyze', path: '/tmp/ghostlens-bomb.py', text: 'keep = []\nfor i in range(10**7):\n    keep.append([i] * 1000)\n', open: {}, entry: {}, diagnostics: DEFAULT_DIAGNOSTICS };
process.env.GHOSTLENS_ENGINE_HEAP_MB = '256';
const noBudget = () => ({ maxMemoryMB: 100_000, timeLimitSeconds: 60 });
console.log('\nten million lists kept, with the analysis budget set out of the way:');
for (const isolation of ['process', 'thread']) {
  const engine = new Engine(WORKER, { staleGraceMs: 750, timeoutMs: 60_000, isolation, limits: noBudget });
  const t0 = performance.now();
  const crashed = await engine.run('bomb', bomb).then(() => 'no crash (the analysis finished)', (e) => e.message);
  const after = await engine.run('k', request(MODELS[0], 0));
  engine.dispose();
  console.log(`  ${isolation.padEnd(8)} "${crashed.slice(0, 150)}" after ${(performance.now() - t0).toFixed(0)} ms; next request: ${after.graph ? 'analysed' : 'FAILED'}`);
}
// The fatal error the issue saw ("invalid size", or the heap limit hit inside one huge array copy)
// in a worker thread with resourceLimits: run in a separate node, so that only it goes down.
const raw = spawnSync(process.execPath, ['-e', `
  const { Worker } = require('node:worker_threads');
  const w = new Worker('let l = [0]; for (let i = 0; i < 40; i++) l = [...l, ...l];', { eval: true, resourceLimits: { maxOldGenerationSizeMb: 256 } });
  w.on('error', (e) => console.log('worker error: ' + e.message));
  w.on('exit', () => console.log('host alive'));`], { encoding: 'utf8' });
console.log(`  a worker thread with resourceLimits {maxOldGenerationSizeMb: 256} copying a doubling array: ${raw.signal ? `the whole process died (${raw.signal})` : `process exit ${raw.status}: ${raw.stdout.trim()}`}`);
