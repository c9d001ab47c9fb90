// Ghostify on torchvision models (random init made by torch, seeded: the structure of random
// weights, not trained behaviour), `--all`, `--random 256`:
//   - the output's relative error and top-1 agreement with the original, on the held-out
//     samples, of the fitted initialisation against the same Ghost model with its Ghost parts at
//     random init (other layers copied) and all at random init;
//   - time against a redundancy measurement of the same file and samples, and peak memory.
//
//   node scripts/build.mjs && node bench/ghostify.mjs [--random N] [--size S] [--models resnet18,regnet_x_400mf]
//
// Both commands run through the CLI (dist/cli.js), each in its child process, one after the other.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const PYTHON = process.env.GHOSTLENS_TORCH_PYTHON ?? '/usr/bin/python3';
const TV = '/usr/lib/python3/dist-packages/torchvision/models';
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const random = Number(arg('random', '256'));
const size = Number(arg('size', '224'));
const models = arg('models', 'resnet18,regnet_x_400mf').split(',');
const SOURCE = { resnet18: 'resnet.py', regnet_x_400mf: 'regnet.py' };

const tmp = mkdtempSync(join(tmpdir(), 'ghostlens-bench-ghostify-'));
const MAKE = `
import sys, torch, torchvision
name, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.manual_seed(0)
m = getattr(torchvision.models, name)()
m.eval()
with torch.no_grad():
    torch.onnx.export(m, (torch.randn(1, 3, size, size),), out, opset_version=13, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
`;

const pct = (x, d = 1) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(d)}%`);
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;

function cli(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`ghostlens ${args[0]} failed (${r.status}): ${r.stderr}`);
  return { json: JSON.parse(r.stdout), wall };
}

try {
  writeFileSync(join(tmp, 'make.py'), MAKE);
  console.log(`ghostify bench: --all, --random ${random}, input 1×3×${size}×${size} (batch 8 per run), CPU, ${new Date().toISOString()}`);
  for (const name of models) {
    const onnxPath = join(tmp, `${name}.onnx`);
    execFileSync(PYTHON, [join(tmp, 'make.py'), name, String(size), onnxPath], { env: { ...process.env, OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
    const source = join(TV, SOURCE[name]);
    const expr = `${name}()`;
    const red = cli(['redundancy', onnxPath, '--source', source, '--model', expr, '--random', String(random)]);
    const out = join(tmp, `${name}-ghost.onnx`);
    const g = cli(['ghostify', onnxPath, '--source', source, '--model', expr, '--all', '--random', String(random), '-o', out,
      '--weights', join(tmp, `${name}-ghost.safetensors`), '--baselines', '--timeout', '3000']);
    const r = g.json;
    const stages = r.sites.filter((s) => s.kind === 'stage'), convs = r.sites.filter((s) => s.kind === 'conv');
    const ghostTime = g.wall - r.timings.baselines;
    console.log(`\n${name}: ${stages.length} G-Ghost stage${stages.length === 1 ? '' : 's'} (${stages.map((s) => s.path).join(', ') || '—'}), ${convs.length} C-Ghost convs; ` +
      `params ${r.rewrite.before.params.toLocaleString('en-US')} → ${r.rewrite.after.params.toLocaleString('en-US')}; calibration ${r.calibration.fit} fit / ${r.calibration.test} held-out samples`);
    console.log('  initialisation                                     output rel. error   top-1 agreement');
    const row = (label, a) => console.log(`  ${label.padEnd(51)}${pct(a.relError, 2).padEnd(20)}${pct(a.top1)}`);
    row('fitted (ghostify)', r.output);
    row('Ghost parts random, other layers copied', r.baselines.ghostRandom);
    row('all random (the rewrite as it is today)', r.baselines.allRandom);
    if (r.heldOutClasses !== null) console.log(`  (the original's top-1 takes ${r.heldOutClasses} distinct classes on the ${r.calibration.test} held-out samples)`);
    const fitErr = r.sites.filter((s) => s.fitError !== null).map((s) => s.fitError);
    const modelErr = r.sites.filter((s) => s.modelError !== null).map((s) => s.modelError);
    const range = (xs) => (xs.length ? `${pct(Math.min(...xs))}–${pct(Math.max(...xs))}` : '—');
    console.log(`  per site (held-out): fit error ${range(fitErr)}, error in the model ${range(modelErr)}`);
    for (const s of stages) console.log(`    stage ${s.path}: ghost path fit ${pct(s.fitError, 2)}, stage output in the model ${pct(s.modelError, 2)}`);
    const t = r.timings;
    console.log(`  time (CLI wall): ghostify ${ghostTime.toFixed(1)} s without the baselines (rewrite+export+surgery ${t.prepare.toFixed(1)}, statistics ${t.statistics.toFixed(1)}, fits ${t.fit.toFixed(1)}, ` +
      `comparison ${t.compare.toFixed(1)}, writing ${t.write.toFixed(1)}; baselines ${t.baselines.toFixed(1)} more) vs redundancy ${red.wall.toFixed(1)} s ` +
      `→ ×${(ghostTime / red.wall).toFixed(2)} (goal ≤ 2); CLI wall ${g.wall.toFixed(1)} s`);
    console.log(`  peak memory of the child: ghostify ${mib(r.peakRssBytes)} (with 3 Ghost sessions for the baselines), redundancy ${mib(red.json.peakRssBytes)}; ` +
      `OUT.onnx ${(statSync(out).size / 1e6).toFixed(1)} MB`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
