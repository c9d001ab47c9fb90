// Syntax as CPython reads it: every literal form, modern statements, and the hostile-input forms
// that lezer/python misreads (see src/core/python/lexmask.ts).
import { Case, F, py } from './harness';

export const SYNTAX: Record<string, Case[]> = {};

SYNTAX['number literals'] = [
  { expr: '1., .5, 1e-3, 1.e5, 1.E+5, 1_000, 1_0.5_0e1_0, 0x1F, 0xff_ff, 0o17, 0b101, 0B1_1, 00', want: [F(1), F(0.5), F(0.001), F(100000), F(100000), 1000, F(105000000000), 31, 65535, 15, 5, 3, 0] },
  { name: 'a trailing-dot float before a keyword keeps the conditional', src: 'b = 1\nx = "pos" if b > 0. else None\ny = "pos" if b > 2. else None', expr: 'x, y', want: ['pos', null] },
  { name: 'trailing-dot floats in calls, lists, slices and at line ends', src: 'def f(a, b=2.):\n    return a * b\nz = 3.\nw = [1., 2.,]\nv = (1.)', expr: 'f(1.), z, w, v, [0, 1, 2][1:], 1..__class__.__name__', want: [F(2), F(3), [F(1), F(2)], F(1), [1, 2], 'float'] },
  { name: 'trailing-dot floats inside f-string fields', src: 'b = 1', expr: 'f"{b * 2.:.1f} {\'y\' if b > 0. else \'n\'}"', want: '2.0 y' },
  { name: 'a dot after an int attribute is not a float', src: 'x = (1).real\ny = 1 .real', expr: 'x, y', want: [1, 1] },
  { name: 'complex literals are an explicit unknown', expr: '1j', want: { unknown: 'complex numbers are not supported' }, engineOnly: 'complex numbers are not modelled (CPython: 1j)' },
  { expr: '-2 ** 2, 2 ** -1, 2 ** 3 ** 2, 7 % -3, -7 % 3', want: [-4, F(0.5), 512, -2, 2] },
];

SYNTAX['string literals'] = [
  { expr: `r'a\\d' + R"b\\n" + u'c' + U"d"`, want: 'a\\db\\ncd' },
  { expr: `'a' "b" 'c', '''x
y''', """q"r""" + 'it''s'`, want: ['abc', 'x\ny', 'q"ritits'.replace('itits', 'its')] },
  { expr: `'\\x41\\101\\t|\\u00e9|\\U0001F600|\\\\N{x}'`, want: 'AA\t|é|😀|\\N{x}' },
  { expr: `'\\N{BULLET}'`, want: { unknown: '\\N{...} escapes are not supported' }, engineOnly: 'Unicode character names are not modelled (CPython: •)' },
  { expr: `'a\\
b'`, want: 'ab' },
];

SYNTAX['f-strings'] = [
  { src: 'x = 3.14159\nw = 8\nd = {"k": "v"}\nname = "ab"', expr: `f"{x:.2f}|{x:>{w}.1f}|{d['k']}|{name!r}|{name=}|{x = :.1f}|{{lit}}|{'q' + 'r'}"`, want: "3.14|     3.1|v|'ab'|name='ab'|x = 3.1|{lit}|qr" },
  { src: 'n = 5', expr: `rf"\\d{n}" + fR'{n:03d}' + F"{n:#x}" + f"{n!s:<3}|" + f'{n:,}' + f'{1234567:_}'`, want: '\\d5005' + '0x5' + '5  |' + '5' + '1_234_567' },
  { src: 'a = [1, 2]\nb = 1', expr: `f"{a[0] if b > 0. else a[1]}{ {'k': 7}['k'] }{(lambda v: v * 2)(3)}{b!=2}"`, want: '17' + '6True' },
  { expr: `'a' f'{1}' "c" f"{'d'}"`, want: 'a1cd' },
  { name: 'self-documenting fields with conversions and specs', src: 's = "é"\nn = 42\nxs = [1, 2]', expr: `f"{n=}|{n = }|{n=!s}|{n=:>5}|{s=!a}|{s!r:>6}|{xs[0] + 1=}|{n=!r:^6}|"`, want: "n=42|n = 42|n=42|n=   42|s='\\xe9'|   'é'|xs[0] + 1=2|n=  42  |" },
];

SYNTAX['statements'] = [
  { name: 'statements separated by semicolons all run', src: 'import math; import os.path as osp; a = 1; b = a + 1\nif a: c = 3; d = 4', expr: 'math.floor(2.5), a, b, c, d', want: [2, 1, 2, 3, 4] },
  { name: 'a UTF-8 byte-order mark at the start is ignored', src: '\ufeffimport math\nx = math.floor(1.5)', expr: 'x', want: 1 },
  { name: 'a 1,500-term sum evaluates', src: `x = ${Array(1500).fill('1').join(' + ')}`, expr: 'x', want: 1500 },
  { name: 'a 2,000-term product and string concatenation', src: `x = ${Array(2000).fill('1').join(' * ')}\ns = ${Array(2000).fill("'a'").join(' + ')}`, expr: 'x, len(s)', want: [1, 2000] },
  { name: 'walrus', src: 'a = [1, 2, 3]\nif (n := len(a)) > 2:\n    big = True\nys = [y for x in a if (y := x * 2) > 2]', expr: 'n, big, ys', want: [3, true, [4, 6]] },
  {
    name: 'parameters: positional-only, keyword-only, defaults, star args',
    src: py`
      def f(a, b=2, /, c=3, *args, d, e=5, **kw):
          return (a, b, c, args, d, e, sorted(kw.items()))
      g = lambda a, b=1, *c, d=2, **e: (a, b, c, d, e)
    `,
    expr: 'f(1, d=4), f(1, 2, 3, 9, 8, d=0, z=1), g(1), g(1, 2, 3, d=4, q=5)',
    want: [[1, 2, 3, [], 4, 5, []], [1, 2, 3, [9, 8], 0, 5, [['z', 1]]], [1, 1, [], 2, {}], [1, 2, [3], 4, { q: 5 }]],
  },
  { src: 'def f(a, /, b):\n    return a + b', expr: 'f(1, b=2)', want: 3 },
  { src: 'def f(a, /, b):\n    return a + b', expr: 'f(a=1, b=2)', raises: 'TypeError' },
  { src: 'def f(*, a):\n    return a', expr: 'f(1)', raises: 'TypeError' },
  { src: 'def f(a, b=2, /):\n    return a + b', expr: 'f(1, b=5)', raises: 'TypeError' },
  { name: 'a keyword named like a positional-only parameter goes to **kwargs', src: 'def f(a, /, **kw):\n    return a, kw\ndef g(a, /, *, b):\n    return a + b', expr: 'f(1, a=2), g(1, b=2)', want: [[1, { a: 2 }], 3] },
  { name: 'number attributes', expr: '(5).real, (5).imag, True.real, (2.5).real, (2.5).imag, (7).numerator, (7).denominator, (255).bit_length(), (0).bit_length(), (-8).bit_length(), (3).conjugate()', want: [5, 0, 1, F(2.5), F(0), 7, 1, 8, 0, 4, 3] },
  { name: 'star-unpacking in lists, tuples, sets, dicts and calls', src: 'a = [1, 2]\nb = (3,)\nd = {"x": 1}\ndef f(*p, **k):\n    return p, k\nh, *t = [1, 2, 3]\n*i, j = "ab"', expr: '[*a, *b], (*a, 0), {*a, *b}, {**d, "y": 2, **{"x": 0}}, f(*a, *b, **d), h, t, i, j', want: [[1, 2, 3], [1, 2, 0], { set: [1, 2, 3] }, { x: 0, y: 2 }, [[1, 2, 3], { x: 1 }], 1, [2, 3], ['a'], 'b'] },
  { name: 'chained comparisons', src: 'y = 2\nz = 5', expr: '1 < y <= 3 != z, 1 < y > 3, 0 <= y < z < 10 > 9 is not None, 1 in [1] not in [[0]]', want: [true, false, true, true] },
  { name: 'global and nonlocal', src: py`
      g = 0
      def bump():
          global g
          g += 1
      def outer():
          n = 0
          def inc():
              nonlocal n
              n += 10
          inc(); inc()
          return n
      bump(); bump()
    `, expr: 'g, outer()', want: [2, 20] },
  {
    name: 'match statements',
    src: py`
      def kind(v):
          match v:
              case 0 | 1:
                  return 'bit'
              case [x, *rest] if rest:
                  return f'list {x} +{len(rest)}'
              case [x]:
                  return f'one {x}'
              case {'k': k, **others}:
                  return f'dict {k} {len(others)}'
              case str() as s:
                  return 'str ' + s
              case (a, b):
                  return 'pair'
              case _:
                  return 'other'
    `,
    expr: 'kind(1), kind([4, 5, 6]), kind([7]), kind({"k": 2, "z": 3}), kind("hi"), kind(2.5)',
    want: ['bit', 'list 4 +2', 'one 7', 'dict 2 1', 'str hi', 'other'],
  },
  {
    name: 'match: class patterns, value patterns, mappings, guards, or/as, star in the middle',
    src: py`
      from dataclasses import dataclass
      from collections import namedtuple, defaultdict
      from enum import Enum
      class Color(Enum):
          RED = 1
          BLUE = 2
      @dataclass
      class Point:
          x: int
          y: int
      class Box:
          __match_args__ = ('w', 'h')
          def __init__(self, w, h):
              self.w = w
              self.h = h
      Pair = namedtuple('Pair', 'a b')
      def what(v):
          match v:
              case Point(0, 0):
                  return 'origin'
              case Point(x=0, y=yy):
                  return f'on y {yy}'
              case Point(x, y) if x == y:
                  return f'diagonal {x}'
              case Box(w, h=1) as b:
                  return f'flat {w} {b.h}'
              case Pair(a, b=2):
                  return f'pair {a}'
              case Color.RED | Color.BLUE as c:
                  return f'color {c.name}'
              case int(n) | float(n) if n < 0:
                  return f'negative {n}'
              case True | None:
                  return 'singleton'
              case -1.5 | "s":
                  return 'literal'
              case [first, *mid, last]:
                  return f'seq {first} {mid} {last}'
              case {"type": "conv", "k": k, **rest}:
                  return f'conv {k} {sorted(rest)}'
              case str() | set():
                  return 'text or set'
              case (x,):
                  return 'one-tuple'
              case _:
                  return 'other'
      dd = defaultdict(int, {"type": "conv"})
      def pairs(a, b):
          match a, b:
              case 0, 0:
                  return 'zeros'
              case (1, y):
                  return f'one then {y}'
              case _:
                  return 'else'
      def guarded(v):
          match v:
              case [x] if x > 10:
                  return 'big'
          return f'fell through, x={x}'
    `,
    expr: 'what(Point(0, 0)), what(Point(0, 5)), what(Point(3, 3)), what(Point(1, 2)), what(Box(4, 1)), what(Box(4, 2)), what(Pair(7, 2)), what(Color.BLUE), what(-3), what(-2.5), what(True), what(1), what(None), what(-1.5), what("s"), what([1, 2, 3, 4]), what((1, 2)), what({"type": "conv", "k": 3, "s": 1, "p": 0}), what(dd), what("txt"), what({1}), what([9]), what({}), pairs(0, 0), pairs(1, 5), pairs(2, 2), guarded([3])',
    want: ['origin', 'on y 5', 'diagonal 3', 'other', 'flat 4 1', 'other', 'pair 7', 'color BLUE', 'negative -3', 'negative -2.5', 'singleton', 'other', 'singleton', 'negative -1.5', 'literal', 'seq 1 [2, 3] 4', 'seq 1 [] 2', "conv 3 ['p', 's']", 'other', 'text or set', 'text or set', 'one-tuple', 'other', 'zeros', 'one then 5', 'else', 'fell through, x=3'],
  },
  { src: 'class A:\n    pass\ndef f(v):\n    match v:\n        case A(1):\n            return 1', expr: 'f(A())', raises: 'TypeError' },
  { src: 'def f(v):\n    match v:\n        case len():\n            return 1', expr: 'f(3)', raises: 'TypeError' },
  { name: 'a match on an unknown subject makes what it binds unknown', src: 'from nowhere import thing\nr = "unset"\nmatch thing:\n    case 1:\n        r = "one"\n    case [x]:\n        r = "list"', expr: 'r, x', want: [{ unknown: "depends on a match statement that cannot be decided: cannot resolve import 'nowhere'" }, { unknown: "depends on a match statement that cannot be decided: cannot resolve import 'nowhere'" }], engineOnly: 'the import does not exist (CPython: ModuleNotFoundError)' },
  { name: 'soft keywords stay names', src: 'match = 2\ncase = 3\ntype = 4\n_ = 5', expr: 'match + case + type + _', want: 14 },
  {
    name: 'PEP 604/585 annotations are not evaluated where CPython does not',
    src: py`
      from __future__ import annotations
      def f(a: int | None = None, b: list[dict[str, int]] = ()) -> tuple[int, ...]:
          return a, b
      x: dict[str, int | None] = {}
    `,
    expr: 'f(1), x', want: [[1, []], {}],
  },
  {
    name: 'decorators with arbitrary expressions (PEP 614)',
    src: py`
      def twice(f):
          return lambda *a: f(*a) * 2
      decos = {'t': twice, 'l': [twice]}
      class NS:
          t = staticmethod(twice)
      @decos['t']
      def a(x):
          return x + 1
      @decos['l'][0]
      def b(x):
          return x
      @(lambda f: f)
      def c(x):
          return x
      @twice if True else None
      def d(x):
          return x
      @NS.t
      def e(x):
          return x
    `,
    expr: 'a(1), b(2), c(3), d(4), e(5)', want: [4, 4, 3, 8, 10],
  },
  { name: 'parenthesized context managers', src: py`
      class cm:
          def __init__(self, v):
              self.v = v
          def __enter__(self):
              return self.v
          def __exit__(self, *exc):
              return False
      with (cm(1) as a, cm(2) as b):
          s = a + b
    `, expr: 's', want: 3 },
  { name: 'yield as an expression', src: 'def g():\n    x = yield 1\n    y = (yield)\n    yield x, y', expr: 'list(g())', want: [1, null, [null, null]] },
  { name: 'a bare yield as a value', src: 'def g():\n    x = yield\n    yield x', expr: 'list(g())', want: [null, null] },
  { name: 'parenthesized context managers over lines, with comments and a trailing comma', src: py`
      class cm:
          def __init__(self, v):
              self.v = v
          def __enter__(self):
              return self.v
          def __exit__(self, *exc):
              return False
      with (
          cm(1) as a,  # first
          cm(2.) as b,
      ):
          s = a + b
      with (cm(5)) as c:
          t = c
      with (cm(6)):
          u = 1
    `, expr: 's, t, u', want: [F(3), 5, 1] },
  { name: 'stars in subscripts (PEP 646), also as assignment targets', src: 'd = {(1, 2): "v", (0, 1, 2): "w"}\nidx = (1, 2)\na = d[*idx]\nb = d[0, *idx]\nd[*idx] = "z"\nclass G:\n    def __getitem__(self, k):\n        return k\nc = G()[*[7]]\ne = [[1, 2], [3, 4]]\nf = e[1][0] * 2', expr: 'a, b, d[1, 2], c, f', want: ['v', 'w', 'z', [7], 6] },
  { name: 'star in a subscript (PEP 646)', src: 'd = {(1, 2): "v"}\nidx = (1, 2)\nx = d[*idx]', expr: 'x', want: 'v' },
  { name: 'conditional lambdas and nested conditionals', src: 'f = (lambda x: x) if False else (lambda x: -x)\nv = 1 if 0 else 2 if 0 else 3', expr: 'f(2), v', want: [-2, 3] },
];
