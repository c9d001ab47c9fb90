// Every `want` of the semantics cases in test/unit/py is what CPython gives: each case runs in
// python3 (test/torch/cases.py converts the value like the harness's toJs), and must match.
// `engineOnly` cases are skipped (they describe where the engine differs on purpose).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PYTHON, ROOT, torchAvailable } from './python';
import type { Case } from '../unit/py/harness';
import { CPYTHON_TABLES } from '../unit/py/tables';

const haveTorch = torchAvailable();
const cases: [string, Case][] = [];
for (const [topic, table] of Object.entries(CPYTHON_TABLES)) {
  for (const c of table) if (!c.engineOnly && (haveTorch || !c.torch)) cases.push([`${topic}: ${c.name ?? c.expr}`, c]);
}

interface Result { value?: unknown; raised?: string; message?: string; setup_error?: string }
let results: Result[] | null = null;
let failure = '';
const py = spawnSync(PYTHON, [join(ROOT, 'test/torch/cases.py')], { input: JSON.stringify(cases.map(([, c]) => c)), encoding: 'utf8', maxBuffer: 1 << 28, timeout: 300_000 });
if (py.status === 0) results = JSON.parse(py.stdout, (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
else failure = `${PYTHON} failed: ${py.error?.message ?? py.stderr}`;

test('CPython runs the semantics cases', { skip: py.error ? `${PYTHON} is missing` : false }, () => assert.ok(results, failure));

cases.forEach(([name, c], i) => {
  test(`CPython agrees: ${name}`, { skip: results ? false : 'CPython did not run' }, () => {
    const r = results![i];
    assert.equal(r.setup_error, undefined, `the snippet fails in CPython: ${r.setup_error}`);
    if (c.raises !== undefined) assert.equal(r.raised, c.raises, `CPython gave ${JSON.stringify(r)}`);
    else {
      assert.equal(r.raised, undefined, `CPython raised ${r.raised}: ${r.message}`);
      assert.deepEqual(r.value, c.want);
    }
  });
});
