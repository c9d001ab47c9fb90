// What the panel's webview keeps with setState (webview/state.ts): restored when it is one this
// version wrote, else the initial state and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restore, initialState, defaultRequest } from '../../webview/state';

const saved = () => ({
  ...initialState(),
  model: { type: 'model', doc: { uri: 'file:///w/m.py', name: 'm.py', version: 4 }, view: null, error: 'No model in this file', analysing: false },
  notice: { type: 'notice', level: 'info', text: 'Rewrote layer1 into a G-Ghost stage.' },
  caps: { trusted: true, profile: true, cancelProfile: true, rewrite: true, redundancy: true },
  ui: { tab: 'charts', request: { ...defaultRequest(), runs: 200, compareGhost: true }, selected: 'layer2', allColumns: true },
});

test('nothing saved: the initial state, with the default profile request', () => {
  const r = restore(undefined);
  assert.equal(r.problem, null);
  assert.deepEqual(r.state, initialState());
  assert.deepEqual(r.state.ui.request, { provider: 'auto', threads: 0, runs: 50, warmup: 10, compareGhost: false });
});

test('a saved state comes back as it was, except the capabilities (the host sends them again)', () => {
  const s = JSON.parse(JSON.stringify(saved()));
  const r = restore(s);
  assert.equal(r.problem, null);
  assert.deepEqual(r.state, { ...s, caps: null });
  assert.equal(r.state.ui.tab, 'charts');
  assert.equal(r.state.ui.request.runs, 200);
});

test('a state this version did not write is dropped with the reason', () => {
  for (const [bad, why] of [
    // Version 1 kept the analysis' graph, not the host's view: dropped, the host sends the view again.
    [{ ...saved(), v: 1 }, /state\.v: expected one of 2/],
    [{ ...saved(), ui: { ...saved().ui, allColumns: 'yes' } }, /state\.ui\.allColumns: expected a boolean/],
    [{ ...saved(), ui: { ...saved().ui, tab: 'plots' } }, /state\.ui\.tab: expected one of stages/],
    [{ ...saved(), ui: { ...saved().ui, request: { ...defaultRequest(), runs: 0 } } }, /runs: out of range/],
    [{ ...saved(), model: { type: 'profile', result: null, stale: false } }, /expected a 'model' message/],
    ['{"v":2}', /expected an object/],
  ] as [unknown, RegExp][]) {
    const r = restore(bad);
    assert.match(r.problem ?? '', why);
    assert.deepEqual(r.state, initialState());
  }
});
