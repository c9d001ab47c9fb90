// Resource bombs against the CLI: files and arguments that grow values, hide work in builtins,
// recurse, nest, or ask for huge tensors, files and runs. Per case, the CLI must end with exit 0
// and a result (JSON that parses; unknowns say why) or exit 2 and one line on stderr, within
// 10 s and 512 MB of peak RSS. Each case runs in its own node process; a preload prints its
// resource usage at exit (a process that crashes never prints it, and fails). These are limit
// checks, not benchmarks: the bounds are ten times what a case needs on an idle machine.
//
// The sizes are drawn from a seeded generator (GHOSTLENS_BOMB_SEED=<n> for another draw; the
// seed is printed), so every run is reproducible and other seeds try other sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const MAX_MS = 10_000;
const MAX_RSS_MB = 512;
const SEED = Number(process.env.GHOSTLENS_BOMB_SEED ?? 20261204);
/**
 * The analysis time limit of each case (CPU seconds; the budget also stops at 4x that in wall
 * time): below the default 5 s, so that a case stopped by it has room under MAX_MS even on a
 * machine shared many times over. What is tested is that every bomb is stopped, not the default.
 */
const TIME_LIMIT_S = 2;

/** mulberry32: small, seeded, good enough to pick sizes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
/** An integer in [lo, hi]. */
const pick = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const dir = mkdtempSync(join(tmpdir(), 'ghostlens-bombs-'));
const PRELOAD = join(dir, 'usage.js');
writeFileSync(PRELOAD, `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\n@@usage ' + u.maxRSS + '\\n'); });\n`);

/** A small model after the bomb, so that an analysis that survives the bomb has something to find. */
const TAIL = `

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
`;
const HEAD = 'import torch\nimport torch.nn as nn\nimport itertools\n\n';

let n = 0;
function file(body: string, name = `bomb${++n}.py`): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}
const model = (top: string) => file(HEAD + top + TAIL);
/** A model whose forward runs `code` on x first. */
const inForward = (code: string) => file(`${HEAD}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
${code.split('\n').map((l) => `        ${l}`).join('\n')}
        return self.conv(x)
`);

interface Case {
  name: string;
  args: () => string[];
  /** What the outcome must mention (stderr on exit 2, the JSON's unknowns or unresolved on exit 0), when it matters. */
  says?: RegExp;
  /** Exit 2 only (bad input, a refused size). */
  refused?: boolean;
}

const CASES: Case[] = [
  // Growing values at module level.
  { name: 'list doubled 100 times', args: () => ['analyze', model(`l = [0]\nfor i in range(${pick(60, 120)}):\n    l = l + l\n`), '--json'], says: /value too large: list/ },
  { name: 'str doubled 100 times', args: () => ['analyze', model(`s = 'ab'\nfor i in range(${pick(60, 120)}):\n    s = s + s\n`), '--json'], says: /value too large: str/ },
  { name: 'list repeated 10**10 times', args: () => ['analyze', model(`l = [0] * 10**${pick(9, 15)}\n`), '--json'], says: /value too large: list of/ },
  { name: "'a' * 10**12", args: () => ['analyze', model(`s = 'a' * 10**${pick(10, 14)}\n`), '--json'], says: /value too large: str of/ },
  { name: 'list += itself in a loop', args: () => ['analyze', model(`l = [1, 2]\nfor i in range(${pick(40, 80)}):\n    l += l\n`), '--json'], says: /value too large: list/ },
  { name: 'list.extend with itself', args: () => ['analyze', model(`l = [1]\nfor i in range(${pick(40, 80)}):\n    l.extend(l * 2)\n`), '--json'] },
  { name: 'dict comprehension over a huge range', args: () => ['analyze', model(`d = {i: i for i in range(10**${pick(8, 12)})}\n`), '--json'], says: /value too large/ },
  { name: 'dict growing item by item', args: () => ['analyze', model(`d = {}\nfor i in range(10**${pick(7, 9)}):\n    d[i] = i\n`), '--json'] },
  { name: 'dict merged with itself', args: () => ['analyze', model(`d = {0: 0}\nfor i in range(${pick(30, 60)}):\n    d = d | {k + len(d): v for k, v in d.items()}\n`), '--json'] },
  { name: 'set of a huge range', args: () => ['analyze', model(`s = set(range(10**${pick(9, 13)}))\n`), '--json'], says: /value too large/ },
  { name: 'list(range(10**12))', args: () => ['analyze', model(`L = list(range(10**${pick(9, 13)}))\n`), '--json'], says: /value too large: list/ },
  { name: 'a huge join', args: () => ['analyze', model(`s = ','.join(['x' * 10**6] * 10**${pick(3, 5)})\n`), '--json'], says: /value too large/ },
  { name: 'itertools.product(range(100), repeat=10)', args: () => ['analyze', model(`p = list(itertools.product(range(100), repeat=${pick(6, 12)}))\n`), '--json'], says: /value too large/ },
  { name: 'itertools.repeat(0, 10**10)', args: () => ['analyze', model(`r = list(itertools.repeat(0, 10**${pick(9, 12)}))\n`), '--json'], says: /value too large/ },
  { name: 'slicing copies of a growing list', args: () => ['analyze', model(`l = [0] * 1000\nwhile True:\n    l = l + l[:]\n`), '--json'] },
  // Work hidden inside builtins.
  { name: 'sorted() of a million items in a loop', args: () => ['analyze', model(`L = list(range(10**6))\nfor i in range(${pick(5000, 99999)}):\n    M = sorted(L)\n`), '--json'], says: /step budget|time limit|memory/ },
  { name: 'str.upper() of 2 MB in a loop', args: () => ['analyze', model(`s = 'a' * 2000000\nfor i in range(${pick(5000, 99999)}):\n    t = s.upper()\n`), '--json'], says: /step budget|time limit|memory/ },
  { name: 'str.find over 2 MB in a loop', args: () => ['analyze', model(`s = 'a' * 2000000\nfor i in range(${pick(5000, 99999)}):\n    k = s.find('b')\n`), '--json'], says: /step budget|time limit/ },
  { name: 'indexing a 2 MB str in a loop', args: () => ['analyze', model(`s = 'a' * 2000000\nfor i in range(${pick(5000, 99999)}):\n    c = s[i]\n`), '--json'], says: /step budget|time limit/ },
  { name: 'membership in a big list in a loop', args: () => ['analyze', model(`L = list(range(10**6))\nfor i in range(${pick(5000, 99999)}):\n    b = -1 in L\n`), '--json'], says: /step budget|time limit/ },
  { name: 'format width 10**9', args: () => ['analyze', model(`s = '{:>${pick(10 ** 8, 10 ** 9)}}'.format(1)\n`), '--json'], says: /value too large|width/ },
  { name: "'%.Nf' with a huge precision", args: () => ['analyze', model(`s = '%.${pick(10 ** 8, 10 ** 9)}f' % 1.0\n`), '--json'], says: /value too large|precision/ },
  { name: 'str.ljust / zfill to 10**11', args: () => ['analyze', model(`a = 'x'.ljust(10**${pick(9, 12)})\nb = '7'.zfill(10**${pick(9, 12)})\n`), '--json'], says: /value too large: str/ },
  { name: 'str.replace that multiplies a 1 MB str', args: () => ['analyze', model(`s = 'a' * 1000000\nt = s.replace('a', 'b' * ${pick(200, 5000)})\n`), '--json'], says: /value too large: str/ },
  // Recursion and nesting.
  { name: 'endless recursion at module level', args: () => ['analyze', model(`def f(n):\n    return f(n + 1)\n\nf(0)\n`), '--json'] },
  { name: 'a list nested 10**5 deep, then printed', args: () => ['analyze', model(`a = []\nfor i in range(${pick(50000, 99999)}):\n    a = [a]\ns = str(a)\n`), '--json'] },
  { name: 'parentheses nested thousands deep in the source', args: () => { const k = pick(3000, 8000); return ['analyze', model(`x = ${'('.repeat(k)}1${')'.repeat(k)}\n`), '--json']; } },
  { name: 'mutual recursion in forward', args: () => ['analyze', file(`${HEAD}
def a(x):
    return b(x)

def b(x):
    return a(x)
${TAIL.replace('return self.conv(x)', 'return a(self.conv(x))')}`), '--json'] },
  // Huge files and shapes.
  { name: '10,000 classes in one file', args: () => ['analyze', file(HEAD + Array.from({ length: 10_000 }, (_, i) => `class M${i}(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, ${(i % 16) + 1}, 1)\n\n    def forward(self, x):\n        return self.c(x)\n`).join('\n')), '--json'] },
  { name: 'a 20 MB file', args: () => ['analyze', file(HEAD + `# ${'x'.repeat(99)}\n`.repeat(pick(200_000, 220_000)) + TAIL), '--json'] },
  { name: 'a 1x3x100000x100000 input (shapes only)', args: () => ['analyze', model(''), '--input', `1x3x${pick(50000, 100000)}x100000`, '--json'] },
  { name: 'a 10-D input', args: () => ['analyze', file(`${HEAD}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(10, 4)\n\n    def forward(self, x):\n        return self.fc(x.flatten(1, -2))\n`), '--input', '2x3x4x5x6x7x8x9x2x10', '--json'] },
  { name: 'a conv with 3*10**13 weights', args: () => ['analyze', file(`${HEAD}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, ${pick(10 ** 12, 10 ** 13)}, 1)\n\n    def forward(self, x):\n        return self.conv(x)\n`), '--json'] },
  { name: 'iterating a 10**9-row tensor', args: () => ['analyze', inForward(`for row in torch.empty(10**${pick(8, 10)}, 2):\n    pass`), '--json'], says: /value too large/ },
  { name: 'zeros_like / linspace / split of huge tensors', args: () => ['analyze', inForward(`a = torch.zeros_like(torch.empty(10**${pick(8, 10)}))\nb = torch.linspace(0, 1, 10**${pick(8, 10)})\nc = torch.split(torch.empty(10**${pick(8, 10)}), 1)`), '--json'], says: /value too large/ },
  { name: 'torch.split with size 0', args: () => ['analyze', inForward('c = torch.split(x, 0)'), '--json'] },
  // Export of models too large for a file.
  { name: 'export nn.Linear(10**9, 10**9)', refused: true, says: /too large for an ONNX file/, args: () => ['export', file(`${HEAD}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(100000, 10**${pick(5, 9)})\n\n    def forward(self, x):\n        return self.fc(x)\n`), '--input', '1x100000', '-o', join(dir, 'big.onnx')] },
  // Arguments.
  { name: '--input 99999999999999999999', refused: true, says: /invalid input shape/, args: () => ['analyze', model(''), '--input', `1x${'9'.repeat(pick(17, 25))}`] },
  { name: '--model ""', refused: true, says: /--model is empty/, args: () => ['analyze', model(''), '--model', ''] },
  { name: '--model with a second statement', refused: true, says: /one Python expression/, args: () => ['analyze', model(''), '--model', 'Net()\nimport os'] },
  { name: 'profile --warmup 100000000', refused: true, says: /--warmup must be an integer/, args: () => ['profile', model(''), '--warmup', String(pick(10 ** 7, 10 ** 9))] },
  { name: 'profile --threads 100000', refused: true, says: /--threads must be an integer/, args: () => ['profile', model(''), '--threads', String(pick(10 ** 4, 10 ** 6))] },
  { name: '--depth 1e3', refused: true, says: /--depth must be an integer/, args: () => ['analyze', model(''), '--depth', '1e3'] },
  { name: 'rewrite -o into a folder that does not exist', refused: true, says: /folder does not exist/, args: () => ['rewrite', file(`${HEAD}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(16, 32, 3, padding=1)\n\n    def forward(self, x):\n        return self.conv(x)\n`), '--input', '1x16x8x8', '--all', '-o', join(dir, 'no', 'such', 'dir', 'out.py')] },
];

test(`resource bombs (seed ${SEED}): exit 2 or a result, within ${MAX_MS / 1000} s and ${MAX_RSS_MB} MB each`, { timeout: 20 * 60_000 }, (t) => {
  assert.ok(existsSync(CLI), 'dist/cli.js is built');
  assert.ok(CASES.length >= 30);
  mkdirSync(dir, { recursive: true });
  const failures: string[] = [];
  for (const c of CASES) {
    const args = c.args();
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--require', PRELOAD, CLI, ...args, '--time-limit', String(TIME_LIMIT_S)], { encoding: 'utf8', timeout: 4 * MAX_MS, maxBuffer: 64 * 2 ** 20 });
    const ms = performance.now() - t0;
    const usage = /\n@@usage (\d+)\n?$/.exec(r.stderr ?? '');
    const stderr = (r.stderr ?? '').replace(/\n@@usage \d+\n?$/, '');
    const rssMb = usage ? Number(usage[1]) / 1024 : NaN;
    const problems: string[] = [];
    if (r.signal || r.error) problems.push(`ended by ${r.signal ?? r.error?.message}`);
    else if (r.status === 2) {
      const lines = stderr.trim().split('\n');
      if (lines.length !== 1 || !/^ghostlens: /.test(lines[0])) problems.push(`exit 2 needs one 'ghostlens: ...' line, got ${JSON.stringify(stderr.slice(0, 300))}`);
      if (/\n\s+at /.test(stderr) || /internal error/.test(stderr)) problems.push('a stack trace or an internal error');
      if (c.says && !c.says.test(stderr)) problems.push(`stderr does not say ${c.says}: ${stderr.trim().slice(0, 200)}`);
    } else if (r.status === 0) {
      if (c.refused) problems.push('accepted; it must be refused with exit 2');
      try {
        const j0 = JSON.parse(r.stdout) as { unknowns: { reason: string }[]; unresolved?: { reason: string }[]; layers: unknown[] };
        // A value the model does not depend on is listed as unresolved (its figures stay complete).
        const j = { ...j0, unknowns: [...j0.unknowns, ...(j0.unresolved ?? [])] };
        if (!Array.isArray(j.layers) || !j.layers.length) problems.push('a result without layers');
        if (c.says && !j.unknowns.some((u) => c.says!.test(u.reason))) problems.push(`no unknown says ${c.says}: ${JSON.stringify(j.unknowns.map((u) => u.reason)).slice(0, 300)}`);
      } catch (e) {
        if (args.includes('--json')) problems.push(`stdout is not JSON: ${(e as Error).message}`);
      }
    } else problems.push(`exit ${r.status}: ${stderr.trim().slice(0, 300)}`);
    if (!usage) problems.push('no resource usage (the process crashed)');
    if (rssMb > MAX_RSS_MB) problems.push(`peak RSS ${rssMb.toFixed(0)} MB`);
    if (ms > MAX_MS) problems.push(`${(ms / 1000).toFixed(1)} s`);
    t.diagnostic(`${c.name}: exit ${r.status ?? r.signal}, ${(ms / 1000).toFixed(2)} s, ${rssMb.toFixed(0)} MB${r.status === 2 ? ` — ${stderr.trim().slice(0, 140)}` : ''}`);
    if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});
