// The parse layer (source.ts): long operator chains read as written up to MAX_DEPTH, and past it
// an explicit message that names the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceFile, MAX_DEPTH } from '../../../src/core/python/source';
import { maskForParser } from '../../../src/core/python/lexmask';
import { load, evaluate, toJs } from './harness';

const sum = (n: number) => Array(n).fill('1').join(' + ');
const n = 2300;

test('a 2,300-term sum parses without errors and evaluates', () => {
  const src = `def f():\n    return ${sum(n)}\nx = f()\ny = x - 1 - 1\n`;
  assert.deepEqual(new SourceFile('a.py', src).syntaxProblems(), []);
  assert.deepEqual(toJs(evaluate(load(src), 'x, y')), [n, n - 2]);
});

test('a chain past MAX_DEPTH is a syntax problem that names the limit', () => {
  const src = `x = 1\ny = ${sum(MAX_DEPTH + 500)}\n`;
  const problems = new SourceFile('a.py', src).syntaxProblems();
  assert.ok(problems.length > 0);
  assert.match(problems[0].message, new RegExp(`more than ${MAX_DEPTH} levels`));
  assert.ok(problems[0].from >= src.indexOf('y ='), 'reported inside the long line');
});

test('ordinary syntax errors keep their message', () => {
  const problems = new SourceFile('a.py', 'x = (1 +\ny = 2\n').syntaxProblems();
  assert.ok(problems.length > 0);
  assert.doesNotMatch(problems[0].message, /nested too deeply/);
});

test('valid forms lezer marks with an error node are not syntax problems', () => {
  for (const src of [
    'def g():\n    x = yield\n    yield\n    y = [(yield)]\n',
    'match v:\n    case str() | bytes():\n        pass\n    case int( ):\n        pass\n',
    'match a, (b + 1):\n    case 0, 0:\n        pass\n',
    'x = 1\n\n\f\n# page break\ndef f():\n    return x\n',
  ]) assert.deepEqual(new SourceFile('a.py', src).syntaxProblems(), [], src);
  assert.ok(new SourceFile('a.py', 'def g():\n    x = yield +\n').syntaxProblems().length > 0, 'a real error after yield stays');
  assert.ok(new SourceFile('a.py', 'match v:\n    case str(:\n        pass\n').syntaxProblems().length > 0, 'a real error in a class pattern stays');
});

test('the mask rewrites PEP 614 decorators, parenthesized with items and subscript stars only', () => {
  const same = [
    '@register_model\ndef f(): pass\n',
    '@torch.jit.script_if_tracing(a, b=[1, 2])\ndef f(): pass\n',
    'y = (a\n     @ b)\n',
    'x = [*a, *b]\nreturn_ = f(*a)\ny = a[1:2, ::3]\nz = a * b[2]\n',
    'def f():\n    return [*a]\n',
    'with open(p) as fh:\n    pass\nwith (a) as b:\n    pass\n',
  ];
  for (const src of same) assert.equal(maskForParser(src), src, src);
  assert.equal(maskForParser("@d['k']\ndef f(): pass\n"), '@______\ndef f(): pass\n');
  assert.equal(maskForParser('@(lambda f: f)  # c\ndef f(): pass\n'), '@_____________  # c\ndef f(): pass\n');
  assert.equal(maskForParser('with (a as b,\n      c as d,):\n    pass\n'), 'with  a as b,       c as d  :\n    pass\n');
  assert.equal(maskForParser('x = d[*idx]\ny = d[0, *i]\n'), 'x = d[~idx]\ny = d[0, ~i]\n');
  for (const src of ["@d['k']\ndef f(): pass\n", 'with (a as b, c as d):\n    pass\n', 'x = d[*idx]\n']) {
    assert.equal(maskForParser(src).length, src.length);
    assert.deepEqual(new SourceFile('a.py', src).syntaxProblems(), [], src);
  }
});
