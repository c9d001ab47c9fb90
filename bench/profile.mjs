// Latency profiling, side by side in one run, per torchvision model:
//   (a) our runner (child process, dist/profileWorker.js) vs a bare onnxruntime-node loop over a
//       session created here with the same options on the same ONNX file: the runner's overhead
//       on p50 (goal ≤ 3%). Blocks alternate bare, ours, bare, ours… and each side's p50 is the
//       median over its blocks, so drift on a shared machine hits both alike.
//   (b) our synthesized ONNX (GhostLens's exporter, random weights, no Python) vs torch's own
//       export of the same model, profiled together by the runner's compare (one child, same
//       provider and settings, runs alternating): after/before p50 (goal within ±10%).
//   (c) onnxruntime (the same p50) vs torch eager on the CPU (/usr/bin/python3, no_grad, same
//       thread count): context, not a goal.
//
//   node scripts/build.mjs && node bench/profile.mjs [--runs 30] [--warmup 5] [--threads 1]
//        [--blocks 3] [--size 224] [--models resnet50,mobilenet_v2] [--ep cpu] [--no-torch]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = process.env.GHOSTLENS_TORCH_PYTHON ?? '/usr/bin/python3';
const TV = '/usr/lib/python3/dist-packages/torchvision/models';
const WORKER = join(ROOT, 'dist/profileWorker.js');
const FILES = { resnet18: 'resnet.py', resnet50: 'resnet.py', mobilenet_v2: 'mobilenetv2.py', efficientnet_b0: 'efficientnet.py', regnet_y_400mf: 'regnet.py' };

function option(name, dflt, min = 1) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} needs an integer ≥ ${min}`);
  return v;
}
const str = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? dflt : process.argv[i + 1]; };
const RUNS = option('runs', 30);
const WARMUP = option('warmup', 5, 0);
const THREADS = option('threads', 1, 0);
const BLOCKS = option('blocks', 3);
const SIZE = option('size', 224);
const EP = str('ep', 'cpu');
const MODELS = str('models', 'resnet50,mobilenet_v2').split(',');
const NO_TORCH = process.argv.includes('--no-torch');
for (const m of MODELS) if (!FILES[m]) throw new Error(`unknown model ${m} (have: ${Object.keys(FILES).join(', ')})`);
if (!existsSync(WORKER)) throw new Error('dist/profileWorker.js is missing: run node scripts/build.mjs first');

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const ms = (x) => (x === null || x === undefined ? '-' : x >= 100 ? x.toFixed(1) : x.toFixed(2));
const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;

// The engine's exporter and the runner, bundled from the sources (like bench/analyze.mjs).
async function loadCore() {
  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-bench-'));
  const outfile = join(dir, 'core.mjs');
  try {
    await build({
      stdin: {
        contents: "export { sourceToOnnx } from './src/core/onnx/export.ts';\n" +
          "export { nodeHost } from './src/cli/nodeHost.ts';\n" +
          "export { profileOnnx, compare } from './src/core/profile/runner.ts';\n",
        resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-profile.ts',
      },
      bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile, logLevel: 'silent', external: ['onnxruntime-node'],
    });
    return await import(pathToFileURL(outfile).href);
  } catch (e) {
    return { error: e };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ort = createRequire(join(ROOT, 'package.json'))('onnxruntime-node');
process.env.ORT_DISABLE_TELEMETRY = '1';

/** The loop a user would write: same session options as the runner, no profiling. */
async function bareLoop(file, runs, warmup) {
  const s = await ort.InferenceSession.create(file, {
    executionProviders: [EP], graphOptimizationLevel: 'all', logSeverityLevel: 3, ...(THREADS > 0 ? { intraOpNumThreads: THREADS } : {}),
  });
  const feeds = {};
  for (const m of s.inputMetadata) {
    const n = m.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
    feeds[m.name] = new ort.Tensor('float32', a, m.shape);
  }
  for (let i = 0; i < warmup; i++) await s.run(feeds);
  const times = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await s.run(feeds); times.push(performance.now() - t0); }
  await s.release();
  return median(times);
}

const TORCH = `
import json, sys, time, torch, torchvision
name, size, runs, warmup, threads, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
if threads > 0: torch.set_num_threads(threads)
torch.manual_seed(0)
m = getattr(torchvision.models, name)().eval()
x = torch.randn(1, 3, size, size)
if out != '-':
    torch.onnx.export(m, x, out, opset_version=17)
times = []
with torch.no_grad():
    for i in range(warmup): m(x)
    for i in range(runs):
        t0 = time.perf_counter(); m(x); times.append((time.perf_counter() - t0) * 1000)
times.sort()
n = len(times)
print(json.dumps({'p50': (times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2), 'threads': torch.get_num_threads()}))
`;

function torchRun(name, out, runs) {
  const r = spawnSync(PYTHON, ['-c', TORCH, name, String(SIZE), String(runs), String(WARMUP), String(THREADS), out], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || 'failed').trim().split('\n').pop() };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const core = await loadCore();
const dir = mkdtempSync(join(tmpdir(), 'ghostlens-bench-profile-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
console.log(`profile bench: ${MODELS.join(', ')} at 1x3x${SIZE}x${SIZE}, provider ${EP}, ${THREADS || 'default'} thread(s), ${RUNS} runs after ${WARMUP} warm-up, ${BLOCKS} blocks; ` +
  `onnxruntime-node ${ort.env.versions?.node}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); node ${process.version}`);
if (core.error) console.log(`exporter not available (${String(core.error.message ?? core.error).split('\n')[0]}): (a) uses torch's export, (b) is skipped`);

const rows = [];
for (const name of MODELS) {
  const row = { name };
  rows.push(row);
  // The model as ONNX: ours (the exporter) and torch's.
  let ours = null;
  if (!core.error) {
    const file = join(TV, FILES[name]);
    try {
      const t0 = performance.now();
      const r = core.sourceToOnnx(core.nodeHost, file, readFileSync(file, 'utf8'), { model: `${name}()`, input: [[1, 3, SIZE, SIZE]], seed: 1 });
      row.exportMs = performance.now() - t0;
      ours = join(dir, `${name}.ghostlens.onnx`);
      writeFileSync(ours, r.bytes);
    } catch (e) {
      row.exportError = String(e.message ?? e);
    }
  }
  let theirs = null;
  if (!NO_TORCH) {
    theirs = join(dir, `${name}.torch.onnx`);
    const t = torchRun(name, theirs, RUNS);
    if (t.error) { row.torchError = t.error; theirs = null; } else { row.torchEager = t.p50; row.torchThreads = t.threads; }
  }
  const file = ours ?? theirs;
  if (!file || core.error && !theirs) { row.skip = row.exportError ?? row.torchError ?? 'no ONNX file'; continue; }

  // (a) runner vs bare loop, alternating blocks.
  const bare = [], runner = [];
  for (let b = 0; b < BLOCKS; b++) {
    bare.push(await bareLoop(file, RUNS, WARMUP));
    if (!core.error) {
      const r = await core.profileOnnx(file, null, { provider: EP, threads: THREADS, runs: RUNS, warmup: WARMUP, perNode: true }, { workerPath: WORKER });
      runner.push(r.stats.p50);
      row.provider = r.provider;
      row.nodeMs = r.nodeTotalMs;
    }
  }
  row.bare = median(bare);
  row.ours = runner.length ? median(runner) : null;

  // (b) our ONNX vs torch's, one child, alternating.
  if (ours && theirs) {
    const c = await core.compare(ours, theirs, { before: null, after: null }, { provider: EP, threads: THREADS, runs: RUNS, warmup: WARMUP, perNode: false }, { workerPath: WORKER });
    row.synth = c.before.stats.p50;
    row.torchOnnx = c.after.stats.p50;
  }
}

console.log('');
console.log('model            | (a) bare ORT p50 | runner p50 | overhead | goal ≤ 3% | (b) ours ONNX | torch ONNX | ours/torch | goal ±10% | (c) torch eager | ORT/torch | export');
for (const r of rows) {
  if (r.skip) { console.log(`${r.name.padEnd(16)} | skipped: ${r.skip}`); continue; }
  const over = r.ours !== null ? r.ours / r.bare : null;
  const b = r.synth && r.torchOnnx ? r.synth / r.torchOnnx : null;
  console.log([
    r.name.padEnd(16), `${ms(r.bare)} ms`.padStart(16), `${ms(r.ours)} ms`.padStart(10), (over ? pct(over) : '-').padStart(8),
    (over === null ? 'exporter not available' : over <= 1.03 ? 'met' : 'MISSED').padStart(9),
    (r.synth ? `${ms(r.synth)} ms` : r.exportError ? 'export failed' : '-').padStart(13), (r.torchOnnx ? `${ms(r.torchOnnx)} ms` : '-').padStart(10),
    (b ? pct(b) : '-').padStart(10), (b === null ? '-' : Math.abs(b - 1) <= 0.1 ? 'met' : 'MISSED').padStart(9),
    (r.torchEager ? `${ms(r.torchEager)} ms` : r.torchError ? 'torch failed' : '-').padStart(15),
    (r.torchEager ? (r.bare / r.torchEager).toFixed(2) : '-').padStart(9),
    r.exportMs ? `${ms(r.exportMs)} ms` : '-',
  ].join(' | '));
  if (r.exportError) console.log(`  export: ${r.exportError}`);
  if (r.torchError) console.log(`  torch: ${r.torchError}`);
}
console.log('');
console.log('(a) p50 of the timed runs; medians over the blocks. (b) one child, both sessions alternating run by run. (c) torch eager no_grad, same threads.');
