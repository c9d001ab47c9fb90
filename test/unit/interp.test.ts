// Python semantics that model files rely on: the case table (test/unit/py/interp.cases.ts, run
// with the shared harness, its `want`s checked against CPython by test/torch/cpythonCases.test.ts)
// and what reaches the caller when Python code fails or never ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyException, BudgetExceeded } from '../../src/core/python/interp';
import { Unknown } from '../../src/core/python/values';
import { runCases, load, evaluate, toJs, py } from './py/harness';
import { CASES } from './py/interp.cases';

runCases(CASES);

// ---------------------------------------------------------------------------------------------
// Error behaviour: what reaches the caller when Python code fails or never ends.

test('errors: an uncaught exception in a called function surfaces as PyException', () => {
  const loaded = load(py`
    class ConfigError(ValueError):
        pass
    def build(depth):
        if depth not in (18, 34):
            raise ConfigError(f'unsupported depth {depth}')
        return depth
  `);
  assert.equal(toJs(evaluate(loaded, 'build(18)')), 18);
  assert.throws(() => evaluate(loaded, 'build(20)'), (e: unknown) =>
    e instanceof PyException && e.cls.name === 'ConfigError' && e.msg === 'unsupported depth 20' &&
    e.cls.isSubclassOf(loaded.it.exception('ValueError')));
});

test('errors: an exception at module level stops the module and becomes a note', () => {
  const loaded = load('a = 1\nraise ValueError("boom")\nb = 2\n');
  assert.equal(toJs(evaluate(loaded, 'a')), 1);
  assert.deepEqual(loaded.it.notes.map((n) => n.reason), ['ValueError: boom']);
  assert.ok(evaluate(loaded, 'b') instanceof Unknown, 'statements after the raise do not run');
});

test('errors: a name that is not defined is Unknown, and so is what is computed from it', () => {
  const loaded = load('def f(x):\n    return x + 1\n');
  for (const expr of ['undefined_name', 'undefined_name + 1', 'undefined_name.attr(3)', 'f(undefined_name)', 'len(undefined_name)', '[undefined_name][0]']) {
    const v = evaluate(loaded, expr);
    assert.ok(v instanceof Unknown, `${expr} gave ${String(toJs(v))}`);
    assert.equal(v.reason, "name 'undefined_name' is not defined", expr);
  }
});

test('errors: an infinite loop is stopped by the step budget', () => {
  assert.throws(() => load('x = 0\nwhile True:\n    pass\n', {}, 'main.py', { maxSteps: 10_000 }), BudgetExceeded);
  assert.throws(() => load('while True:\n    x = 1\n', {}, 'main.py', { maxSteps: 10_000 }), BudgetExceeded);
  const loaded = load('def spin():\n    n = 0\n    while n >= 0:\n        n += 1\n', {}, 'main.py', { maxSteps: 50_000 });
  assert.throws(() => evaluate(loaded, 'spin()'), BudgetExceeded);
  assert.throws(() => load('for i in range(10 ** 6):\n    pass\n', {}, 'main.py', { maxSteps: 10_000 }), BudgetExceeded);
});

test('errors: runaway recursion is a RecursionError, not a JS stack overflow', () => {
  const loaded = load('def down(n):\n    return down(n + 1)\nclass A:\n    def __init__(self):\n        self.a = A()\n');
  assert.throws(() => evaluate(loaded, 'down(0)'), (e: unknown) => e instanceof PyException && e.cls.name === 'RecursionError');
  assert.throws(() => evaluate(loaded, 'A()'), (e: unknown) => e instanceof PyException && e.cls.name === 'RecursionError');
});
