// How stable are the per-stage latency shares from one profile to the next? Profiles a model
// (default: the example, before and after its Ghost rewrite) `--repeats` times with the CLI and
// prints, per part (stem, stages, head, unattributed), the mean share of the traced node time
// and its spread over the repeats (stdev and max − min, in percentage points), for each number
// of traced runs asked (`--traced 5,10,20`). The noise band of a share is what one profile can
// be trusted to: the smallest traced-run count whose max − min is under the band is the answer
// to "how many runs does it take".
//
//   node scripts/build.mjs && node bench/stageNoise.mjs [--file examples/resnet_cifar.py]
//        [--repeats 6] [--traced 5,10,20] [--runs 20] [--threads 1] [--no-compare]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? dflt : process.argv[i + 1]; };
const file = arg('file', join(ROOT, 'examples/resnet_cifar.py'));
const repeats = Number(arg('repeats', '6'));
const tracedList = arg('traced', '5,10,20').split(',').map(Number);
const runs = arg('runs', '20');
const threads = arg('threads', '1');
const compare = !process.argv.includes('--no-compare');

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdev = (xs) => { const m = mean(xs); return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1)); };
const pp = (x) => (100 * x).toFixed(1);

function profile(traced) {
  const args = [CLI, 'profile', file, '--ep', 'cpu', '--runs', runs, '--warmup', '5', '--threads', threads, '--profile-runs', String(traced), '--json'];
  if (compare) args.push('--compare-ghost');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

console.log(`${file} · ${repeats} profiles per row · ${runs} timed runs · threads ${threads}${compare ? ' · with --compare-ghost' : ''}`);
for (const traced of tracedList) {
  const shares = new Map();
  const outside = { before: [], after: [] };
  const sums = [];
  for (let k = 0; k < repeats; k++) {
    const r = profile(traced);
    const sides = compare ? [['before', r.before], ['after', r.after]] : [['before', r]];
    for (const [side, p] of sides) {
      for (const part of p.parts ?? []) {
        const key = `${side} ${part.name}`;
        if (!shares.has(key)) shares.set(key, []);
        shares.get(key).push(part.share);
      }
      outside[side].push((p.parts ?? []).filter((x) => x.kind !== 'stage').reduce((t, x) => t + x.ms, 0));
      sums.push(Math.abs((p.parts ?? []).reduce((t, x) => t + x.ms, 0) - p.nodeTotalMs));
    }
  }
  console.log(`\ntraced runs per profile: ${traced}`);
  console.log('part                     mean share  stdev (pp)  max−min (pp)');
  for (const [key, xs] of shares) console.log(`${key.padEnd(24)} ${pp(mean(xs)).padStart(9)}%  ${pp(stdev(xs)).padStart(10)}  ${pp(Math.max(...xs) - Math.min(...xs)).padStart(12)}`);
  for (const side of compare ? ['before', 'after'] : ['before']) {
    const xs = outside[side];
    console.log(`outside stages, ${side}: median ${xs.slice().sort((a, b) => a - b)[xs.length >> 1].toFixed(3)} ms, min ${Math.min(...xs).toFixed(3)}, max ${Math.max(...xs).toFixed(3)}`);
  }
  console.log(`parts vs node total: largest gap ${Math.max(...sums).toExponential(1)} ms`);
}
