// Writes the README's "Works on" table from the outcomes the torch cross-checks recorded in
// test-results/works-on/ (test/torch/compare.ts `record`): what the last test run found, not a
// hand-kept list. Run after `npm test` (or `npm run test:torch`): `node scripts/works-on.mjs`.
// `--check` exits 1 when the README's table differs from what the outcomes give.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'test-results/works-on');
const readme = join(root, 'README.md');
const START = '<!-- works-on:start (scripts/works-on.mjs writes this table from the test results) -->';
const END = '<!-- works-on:end -->';

if (!existsSync(dir)) {
  console.error(`works-on: no outcomes in ${dir}: run the torch tests first (npm run test:torch)`);
  process.exit(2);
}
const rows = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
const by = (kind) => rows.filter((r) => r.kind === kind).sort((a, b) => a.file.localeCompare(b.file) || a.expr.localeCompare(b.expr));
const M = (n) => (n === null || n === undefined ? '—' : n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : `${(n / 1e6).toFixed(1)} M`);
const P = (n) => (n === null || n === undefined ? '—' : n < 1e5 ? n.toLocaleString('en-US') : `${(n / 1e6).toFixed(2)} M`);
const status = (r) => (r.status === 'exact' ? 'exact' : r.reason ? `${r.status}: ${r.reason.replace(/\|/g, '\\|')}` : r.status);

const out = [];
const section = (name, note, list, withRewrite) => {
  if (!list.length) return;
  out.push(`**${name}** (${note}): ${list.filter((r) => r.status === 'exact').length} of ${list.length} exact`, '');
  out.push(withRewrite ? '| file | model | analysis vs torch | params | MACs | `rewrite --all` in PyTorch |' : '| file | model | analysis vs torch | params | MACs |');
  out.push(withRewrite ? '|---|---|---|---|---|---|' : '|---|---|---|---|---|');
  for (const r of list) {
    const cells = [r.file, `\`${r.expr}\``, status(r), P(r.params), M(r.macs)];
    if (withRewrite) {
      const rw = rows.find((x) => x.kind === 'timm-rewrite' && x.file === r.file && x.expr === r.expr);
      cells.push(!rw ? 'not run' : rw.status === 'runs' ? `runs: ${M(rw.before.macs)} → ${M(rw.macs)} MACs` : status(rw));
    }
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');
};
section('timm', '`../shared/corpora/timm`, registered factory, 1×3×224×224; test/torch/timm.test.ts', by('timm'), true);
section('torchvision', 'the installed package; test/torch/exactness.test.ts', by('torchvision'), false);
section('Own fixtures and examples', 'incl. GhostNet and G-Ghost models written from the papers; test/torch/exactness.test.ts', by('fixture'), false);
const alone = by('alone');
if (alone.length) {
  const counts = {};
  for (const r of alone) counts[r.status] = (counts[r.status] ?? 0) + 1;
  out.push(`**torchvision files copied alone** (imports unresolved; test/torch/alone.test.ts): ${alone.length} models, ` +
    Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') + ' — none complete with a figure torch does not give.', '');
}
const table = out.join('\n');

const text = readFileSync(readme, 'utf8');
const a = text.indexOf(START), b = text.indexOf(END);
if (a < 0 || b < a) { console.error(`works-on: README.md has no ${START} … ${END} markers`); process.exit(2); }
const next = text.slice(0, a + START.length) + '\n' + table + '\n' + text.slice(b);
if (process.argv.includes('--check')) {
  if (next !== text) { console.error('works-on: README.md table differs from test-results/works-on (run node scripts/works-on.mjs)'); process.exit(1); }
  console.log('works-on: README.md table is up to date');
} else {
  writeFileSync(readme, next);
  console.log(`works-on: ${rows.length} outcomes written to README.md`);
}
