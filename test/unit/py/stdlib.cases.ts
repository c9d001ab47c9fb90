// The standard library as model builders use it (re, types, functools, itertools, collections,
// dataclasses, enum, math, operator, copy, sys) and the builtins around it, as CPython 3.11 runs it.
import { Case, F, py } from './harness';

export const STDLIB: Record<string, Case[]> = {};

STDLIB['re'] = [
  {
    name: "timm's block-string decoder (re.split on '(\\d.*)')",
    src: py`
      import re
      def decode(s):
          out = {}
          for op in s.split('_'):
              splits = re.split(r'(\d.*)', op)
              if len(splits) >= 2:
                  key, value = splits[:2]
                  out[key] = value
          return out
    `,
    expr: "decode('ds_r1_k3_s1_e1_c16'), re.split(r'(\\d.*)', 'k3'), re.split(r'(\\d.*)', 'noskip')",
    want: [{ r: '1', k: '3', s: '1', e: '1', c: '16' }, ['k', '3', ''], ['noskip']],
  },
  { src: 'import re', expr: "re.split(r'[,;]\\s*', 'a, b;c'), re.split(r'(,)', 'a,b', maxsplit=1), re.split(r'x*', 'axbc'), re.split(r'\\b', 'a b')", want: [['a', 'b', 'c'], ['a', ',', 'b'], ['', 'a', '', 'b', 'c', ''], ['', 'a', ' ', 'b', '']] },
  {
    src: 'import re\nm = re.match(r"(?P<stage>[a-z]+)(?P<n>\\d+)?", "layer3.conv")\nf = re.fullmatch(r"\\d+", "123")\ng = re.fullmatch(r"\\d+", "123a")',
    expr: 'm.group(), m.group(1), m.group("n"), m["stage"], m.groups(), m.groupdict(), m.span(), m.start(2), m.end(2), m.span("n"), m.lastindex, m.lastgroup, f.group(0), g, bool(m)',
    want: ['layer3', 'layer', '3', 'layer', ['layer', '3'], { stage: 'layer', n: '3' }, [0, 6], 5, 6, [5, 6], 2, 'n', '123', null, true],
  },
  { src: 'import re\nm = re.search(r"(a)(x)?", "ba")', expr: 'm.groups(), m.groups("-"), m.group(2), m.span(2), m.groupdict(), m.start()', want: [['a', null], ['a', '-'], null, [-1, -1], {}, 1] },
  {
    src: 'import re',
    expr: "re.findall(r'\\d+', 'a1b22c333'), re.findall(r'(\\w)(\\d)', 'a1 b2'), re.findall(r'(\\w)=?', 'ab'), [m.group() for m in re.finditer(r'[A-Z]', 'aBcD')], re.search('c', 'abc').start(), re.match('c', 'abc')",
    want: [['1', '22', '333'], [['a', '1'], ['b', '2']], ['a', 'b'], ['B', 'D'], 2, null],
  },
  {
    src: 'import re',
    expr: "re.sub(r'(\\w+)@(\\w+)', r'\\2 at \\1', 'me@host'), re.sub(r'(?P<k>\\d)', r'<\\g<k>\\g<0>>', 'a1b2'), re.subn('a', 'b', 'aaa', count=2), re.sub('x*', '-', 'abxd'), re.sub(r'\\d', lambda m: str(int(m.group()) * 2), 'a1b7'), re.sub('a', r'\\n', 'a')",
    want: ['host at me', 'a<11>b<22>', ['bba', 2], '-a-b--d-', 'a2b14', '\n'],
  },
  {
    src: 'import re\np = re.compile(r"""\n  (\\d+)   # digits\n  \\.?     # a dot\n""", re.VERBOSE)\nq = re.compile("AB", re.I | re.M)',
    expr: 'p.match("12.").group(1), p.pattern.strip()[:5], p.groups, q.search("xab").group(), bool(q.flags & re.IGNORECASE), re.compile("(?i)ab").match("AB").group(), p.search("ab 7", 3).group(), p.match("ab 7", 3).group()',
    want: ['12', '(\\d+)', 1, 'ab', true, 'AB', '7', '7'],
  },
  { src: 'import re', expr: "re.escape('a.b*c d'), re.escape('x_y-1'), re.match(r'\\Aab\\Z', 'ab').group(), re.match(r'ab$', 'ab\\n').group(), re.match(r'ab\\Z', 'ab\\n')", want: ['a\\.b\\*c\\ d', 'x_y\\-1', 'ab', 'ab', null] },
  { src: 'import re', expr: "re.match(r'(?P<q>[\\'\"]).*?(?P=q)', '\"hi\" x').group(), re.match(r'a.c', 'a\\nc'), re.match(r'a.c', 'a\\nc', re.S).group(), re.findall(r'^\\w', 'ab\\ncd', re.M), re.match(r'\\d', '٣').group(), re.match(r'\\w+', 'été').group(), re.match(r'a{2,}', 'aaa').group(), re.match(r'a{,2}', 'aaa').group(), re.match('a{', 'a{').group()", want: ['"hi"', null, 'a\nc', ['a', 'c'], '٣', 'été', 'aaa', 'aa', 'a{'] },
  { src: 'import re', expr: "re.match(r'(?i:a)b', 'Ab')", want: { unknown: "re: the group '(?i:a' (scoped flags, conditionals or atomic groups) is not supported" }, engineOnly: 'scoped inline flags have no JS equivalent in Node 20: an explicit unknown (CPython matches)' },
];

STDLIB['types and isinstance'] = [
  {
    name: "timm's norm-layer factory test: isinstance with (type, str, FunctionType, partial)",
    src: py`
      import types, functools
      import torch.nn as nn
      def fn(x):
          return x
      kinds = (type, str, types.FunctionType, functools.partial)
      p = functools.partial(nn.BatchNorm2d, eps=1e-3)
      pp = functools.partial(p, momentum=0.1)
    `,
    expr: 'isinstance(nn.BatchNorm2d, kinds), isinstance("bn", kinds), isinstance(fn, kinds), isinstance(lambda: 0, kinds), isinstance(p, kinds), isinstance(3, kinds), isinstance(p, functools.partial), p.func is nn.BatchNorm2d, p.args, p.keywords, pp.func is nn.BatchNorm2d, pp.keywords',
    want: [true, true, true, true, true, false, true, true, [], { eps: F(0.001) }, true, { eps: F(0.001), momentum: F(0.1) }],
    torch: true,
  },
  { src: 'import types\nclass A:\n    def m(self):\n        return 1', expr: 'isinstance(A().m, types.MethodType), isinstance(A.m, types.FunctionType), isinstance(types, types.ModuleType), isinstance(len, types.FunctionType), callable(A), callable(A()), callable(len)', want: [true, true, true, false, true, false, true] },
  {
    name: 'the numeric tower (numbers): bool is Integral, float is Real, not Integral',
    src: 'import numbers',
    expr: 'isinstance(3, numbers.Integral), isinstance(True, numbers.Integral), isinstance(3.0, numbers.Integral), isinstance(3.0, numbers.Real), isinstance(2, numbers.Number), isinstance("3", numbers.Number), isinstance(3, numbers.Rational), isinstance(1.5, numbers.Complex)',
    want: [true, true, false, true, true, false, true, true],
  },
  {
    name: "torch's Conv2d.__init__ calls self.reset_parameters(): a subclass's override runs there, and super() reaches torch's",
    src: py`
      import torch.nn as nn
      calls = []
      class StdConv(nn.Conv2d):
          def __init__(self, cin, cout):
              super().__init__(cin, cout, 3)
              self.gain = nn.Parameter(torch.ones(cout, 1, 1, 1))
              self.reset_parameters()
          def reset_parameters(self):
              calls.append(hasattr(self, 'gain'))
              if hasattr(self, 'gain'):
                  super().reset_parameters()
      import torch
      c = StdConv(3, 8)
      n = sum(p.numel() for p in c.parameters())
    `,
    expr: 'calls, n, hasattr(nn.ReLU(), "reset_parameters"), hasattr(nn.BatchNorm2d(4), "reset_parameters")',
    want: [[false, true], 8 * 27 + 8 + 8, false, true],
    torch: true,
  },
  { name: 'an unresolved class in the tuple makes isinstance undecidable', src: 'from nowhere import Thing', expr: 'isinstance(3, (str, Thing))', want: { unknown: 'isinstance() with an unknown class' }, engineOnly: 'CPython fails the import; the engine must not answer False' },
];

STDLIB['builtins'] = [
  { name: "dir() of a module (timm's activation factory)", src: 'import torch.nn.functional as F', expr: "'silu' in dir(F), 'hardswish' in dir(F), 'mish' in dir(F), 'relu' in dir(F)", want: [true, true, true, true], torch: true },
  { src: 'class A:\n    z = 1\n    def __init__(self):\n        self.b = 2\n    def m(self):\n        pass', expr: "[n for n in dir(A()) if not n.startswith('__')], 'b' in dir(A()), 'q' in dir(A())", want: [['b', 'm', 'z'], true, false] },
  { src: 'import torch.nn.functional as F', expr: "'surely_not_a_function' in dir(F)", want: { unknown: "'surely_not_a_function' is not among the modelled names of dir()" }, engineOnly: 'dir() of a partly modelled module cannot say a name is absent (CPython: False)' },
  { src: 'import torch', expr: "hasattr(torch.nn.functional, 'no_such_op')", want: { unknown: "'torch.nn.functional.no_such_op' is not modelled" }, engineOnly: 'hasattr of a name the torch stubs lack is undecidable, never a guessed True' },
  { expr: 'sorted(["bb", "a", "ccc"], key=len, reverse=True), min([3, 1, 2], key=lambda x: -x), max([], default=7), min(4, 2, 8), any([0, 1]), all([]), list(map(lambda a, b: a * b, [1, 2], [3, 4])), list(filter(None, [0, 1, 2])), list(reversed(range(3)))', want: [['ccc', 'bb', 'a'], 3, 7, 2, true, true, [3, 8], [1, 2], [2, 1, 0]] },
  { expr: "divmod(7, -2), divmod(7.5, 2), round(2.675, 2), round(0.5), round(1.5), abs(-3), pow(2, 10), pow(2, -1), pow(3, 4, 5), int('ff', 16), int('0b101', 0), int(' 42 '), getattr(3, 'nope', 'dflt')", want: [[-4, -1], [F(3), F(1.5)], F(2.67), 0, 2, 3, 1024, F(0.5), 1, 255, 5, 42, 'dflt'] },
  { src: 'class A:\n    def __init__(self):\n        self.x = 1', expr: "vars(A()), 'x' in vars(A())", want: [{ x: 1 }, true] },
];

STDLIB['collections'] = [
  { src: 'from collections import defaultdict\nd = defaultdict(list)\nd["a"].append(1)\nd["a"].append(2)\nc = defaultdict(int)\nfor ch in "abca":\n    c[ch] += 1\nn = defaultdict(None, {"k": 1})', expr: 'dict(d), dict(c), d.get("zz"), "zz" in d, isinstance(d, dict), isinstance(d, defaultdict), isinstance({}, defaultdict), n["k"]', want: [{ a: [1, 2] }, { a: 2, b: 1, c: 1 }, null, false, true, true, false, 1] },
  { src: 'from collections import defaultdict\nn = defaultdict(None)', expr: 'n["missing"]', raises: 'KeyError' },
];

STDLIB['sys'] = [
  { src: 'import sys\nX = 1\nme = sys.modules[__name__]', expr: "me.X, hasattr(me, 'X'), 'math' in sys.modules or True, sys.version_info >= (3, 8), sys.version_info[:2]", want: [1, true, true, true, [3, 11]] },
];

STDLIB['math'] = [
  { src: 'import math', expr: 'math.ceil(2.1), math.floor(-2.1), math.trunc(-2.7), math.ceil(5), math.sqrt(16), math.log(8, 2), math.log2(1024), math.log10(1000), math.exp(0), math.log(math.e)', want: [3, -3, -2, 5, F(4), F(3), F(10), F(3), F(1), F(1)] },
  { src: 'import math', expr: 'math.gcd(12, 18), math.gcd(0, 5), math.gcd(), math.gcd(24, 36, 60), math.lcm(4, 6), math.lcm(3, 5, 7), math.lcm(), math.prod([2, 3, 4]), math.prod([], start=5), math.prod([1.5, 2])', want: [6, 5, 0, 12, 12, 105, 1, 24, 5, F(3)] },
  { src: 'import math', expr: 'math.isclose(0.1 + 0.2, 0.3), math.isclose(1.0, 1.1), math.isclose(1.0, 1.05, rel_tol=0.1), math.isclose(0.0, 1e-10, abs_tol=1e-9), math.isinf(math.inf), math.isnan(math.nan), math.isfinite(1.0), -math.inf < 0 < math.inf', want: [true, false, true, true, true, true, true, true] },
  { src: 'import math', expr: 'math.comb(5, 2), math.comb(10, 0), math.comb(3, 5), math.perm(5, 2), math.perm(4), math.factorial(10), math.isqrt(17), math.isqrt(16), math.copysign(3, -0.0), math.fabs(-2), math.pi, math.e, math.tau', want: [10, 1, 0, 20, 24, 3628800, 4, 4, F(-3), F(2), F(Math.PI), F(Math.E), F(2 * Math.PI)] },
  { src: 'import math', expr: 'math.pow(2, 10), math.hypot(3, 4), math.atan2(1, 1), math.degrees(math.pi), math.radians(180), math.fmod(7, -3), math.modf(2.5), math.fsum([0.1] * 10), sum([0.1] * 10), math.dist((0, 0), (3, 4))', want: [F(1024), F(5), F(Math.PI / 4), F(180), F(Math.PI), F(1), [F(0.5), F(2)], F(1), F(0.9999999999999999), F(5)] },
  { src: 'import math', expr: 'math.sqrt(-1)', raises: 'ValueError' },
  { src: 'import math', expr: 'math.log(0)', raises: 'ValueError' },
  { src: 'import math', expr: 'math.floor(math.inf)', raises: 'OverflowError' },
  { src: 'import math', expr: 'math.exp(1000)', raises: 'OverflowError' },
  { src: 'import math', expr: 'math.sqrt("4")', raises: 'TypeError' },
  { src: 'import math', expr: 'math.comb(5.0, 2)', raises: 'TypeError' },
  { src: 'import math', expr: 'math.factorial(-1)', raises: 'ValueError' },
  { name: 'an int result past 2**53 is an explicit unknown', src: 'import math', expr: 'math.factorial(25)', want: { unknown: 'math.factorial: an integer beyond 2**53 is not modelled exactly' }, engineOnly: 'ints are exact only up to 2**53 (CPython: 15511210043330985984000000)' },
];

STDLIB['operator'] = [
  { src: 'import operator as op', expr: 'op.add(2, 3), op.sub(2, 3), op.mul(2, 3), op.truediv(3, 2), op.floordiv(7, 2), op.mod(7, 3), op.pow(2, 5), op.neg(4), op.pos(-4), op.abs(-4), op.and_(6, 3), op.or_(6, 3), op.xor(6, 3), op.lshift(1, 3), op.rshift(8, 1), op.invert(5), op.not_(0), op.truth([1])', want: [5, -1, 6, F(1.5), 3, 1, 32, -4, -4, 4, 2, 7, 5, 8, 4, -6, true, true] },
  { src: 'import operator as op', expr: 'op.lt(1, 2), op.le(2, 2), op.eq("a", "a"), op.ne(1, 1), op.ge(1, 2), op.gt(3, 2), op.is_(None, None), op.is_not(1, None), op.contains([1, 2], 2), op.concat([1], [2]), op.countOf([1, 2, 1], 1), op.indexOf("abc", "c"), op.index(7), op.getitem({"k": 3}, "k")', want: [true, true, true, false, false, true, true, true, true, [1, 2], 2, 2, 7, 3] },
  {
    src: py`
      import operator
      from functools import reduce
      rows = [("b", 2, "x"), ("a", 3, "y"), ("c", 1, "z")]
      class P:
          def __init__(self, name, sub=None):
              self.name = name
              self.sub = sub
          def greet(self, who, punct="!"):
              return f"{self.name} greets {who}{punct}"
      p = P("outer", P("inner"))
      l = [1]
      r = operator.iadd(l, [2, 3])
    `,
    expr: 'sorted(rows, key=operator.itemgetter(1)), operator.itemgetter(0, 2)(rows[0]), operator.itemgetter(slice(1, None))([1, 2, 3]), operator.attrgetter("name")(p), operator.attrgetter("sub.name", "name")(p), operator.methodcaller("greet", "you", punct="?")(p), reduce(operator.mul, [1, 2, 3, 4]), l, r is l, operator.iadd(1, 2)',
    want: [[['c', 1, 'z'], ['b', 2, 'x'], ['a', 3, 'y']], ['b', 'x'], [2, 3], 'outer', ['inner', 'outer'], 'outer greets you?', 24, [1, 2, 3], true, 3],
  },
  { src: 'import operator', expr: 'operator.itemgetter("zz")({})', raises: 'KeyError' },
];

STDLIB['itertools'] = [
  { src: 'from itertools import *', expr: 'list(islice("abcdefg", 2)), list(islice("abcdefg", 2, 4)), list(islice("abcdefg", 2, None)), list(islice(range(10), 0, None, 3)), list(islice(count(), 3)), list(islice(count(10, 2), 1, 4)), list(islice(cycle("ab"), 5)), list(islice(repeat(7), 3)), list(repeat("x", 2))', want: [['a', 'b'], ['c', 'd'], ['c', 'd', 'e', 'f', 'g'], [0, 3, 6, 9], [0, 1, 2], [12, 14, 16], ['a', 'b', 'a', 'b', 'a'], [7, 7, 7], ['x', 'x']] },
  { name: 'an endless iterator stops with its finite partner', src: 'from itertools import count, cycle\nc = count(5)\nfirst = next(c)\nsecond = next(c)', expr: 'list(zip("abc", count())), list(zip(cycle([0, 1]), range(5))), first, second, list(zip(count(1.5, 0.5), [0, 0]))', want: [[['a', 0], ['b', 1], ['c', 2]], [[0, 0], [1, 1], [0, 2], [1, 3], [0, 4]], 5, 6, [[F(1.5), 0], [F(2), 0]]] },
  { src: 'from itertools import count', expr: 'list(count())', want: { unknown: 'an endless iterator (itertools.count, cycle or repeat) read to its end' }, engineOnly: 'CPython never returns (it runs out of memory)' },
  { src: 'from itertools import *', expr: 'list(combinations("abcd", 2)), list(combinations(range(3), 3)), list(combinations([1], 2)), list(combinations_with_replacement("ab", 2)), list(permutations("abc", 2)), list(permutations(range(3))), list(product("ab", [0, 1])), list(product([0, 1], repeat=2)), list(product())', want: [[['a', 'b'], ['a', 'c'], ['a', 'd'], ['b', 'c'], ['b', 'd'], ['c', 'd']], [[0, 1, 2]], [], [['a', 'a'], ['a', 'b'], ['b', 'b']], [['a', 'b'], ['a', 'c'], ['b', 'a'], ['b', 'c'], ['c', 'a'], ['c', 'b']], [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]], [['a', 0], ['a', 1], ['b', 0], ['b', 1]], [[0, 0], [0, 1], [1, 0], [1, 1]], [[]]] },
  { src: 'from itertools import *\nimport operator', expr: 'list(chain([1, 2], (3,), "ab")), list(chain.from_iterable([[1], [2, 3]])), list(zip_longest("ab", [1, 2, 3], fillvalue=0)), list(zip_longest("a", "bc")), list(accumulate([1, 2, 3, 4])), list(accumulate([1, 2, 3], operator.mul)), list(accumulate([1, 2], initial=10)), list(starmap(pow, [(2, 3), (3, 2)]))', want: [[1, 2, 3, 'a', 'b'], [1, 2, 3], [['a', 1], ['b', 2], [0, 3]], [['a', 'b'], [null, 'c']], [1, 3, 6, 10], [1, 2, 6], [10, 11, 13], [8, 9]] },
  { src: 'from itertools import *', expr: '[(k, list(g)) for k, g in groupby("aabbbc")], [(k, len(list(g))) for k, g in groupby([1, 3, 2, 4, 5], key=lambda x: x % 2)], list(takewhile(lambda x: x < 3, [1, 2, 5, 1])), list(dropwhile(lambda x: x < 3, [1, 2, 5, 1])), list(filterfalse(None, [0, 1, 0, 2])), list(pairwise("abc")), list(compress("abcd", [1, 0, 1])), [list(t) for t in tee([1, 2])]', want: [[['a', ['a', 'a']], ['b', ['b', 'b', 'b']], ['c', ['c']]], [[1, 2], [0, 2], [1, 1]], [1, 2], [5, 1], [0, 0], [['a', 'b'], ['b', 'c']], ['a', 'c'], [[1, 2], [1, 2]]] },
  { src: 'from itertools import islice', expr: 'list(islice([1], -1))', raises: 'ValueError' },
];

STDLIB['collections: Counter, deque, OrderedDict'] = [
  {
    src: py`
      from collections import Counter
      c = Counter("abracadabra")
      c2 = Counter({"a": 1, "z": 2})
      c3 = Counter(a=2, b=-1)
      c.update("zz")
      c.update({"a": 10})
    `,
    expr: 'c["a"], c["missing"], "missing" in c, c.most_common(2), c.most_common()[-1], sorted(c2.elements()), c3, dict(c2 + Counter("a")), dict(Counter("aab") - Counter("ab")), dict(Counter(a=3, b=1) | Counter(a=1, b=2)), dict(Counter(a=3, b=1) & Counter(a=1, b=2)), isinstance(c, dict), isinstance(c, Counter), type(c).__name__, c.total(), len(c)',
    want: [15, 0, false, [['a', 15], ['b', 2]], ['d', 1], ['a', 'z', 'z'], { a: 2, b: -1 }, { a: 2, z: 2 }, { a: 1 }, { a: 3, b: 2 }, { a: 1, b: 1 }, true, true, "Counter", 23, 6],
  },
  { src: 'from collections import Counter\nc = Counter("ab")\nc.subtract("bbb")', expr: 'dict(c), c.most_common(1)', want: [{ a: 1, b: -2 }, [['a', 1]]] },
  {
    src: py`
      from collections import deque
      d = deque([1, 2, 3])
      d.append(4)
      d.appendleft(0)
      a = d.pop()
      b = d.popleft()
      d.extend([7, 8])
      d.rotate(1)
      w = deque(maxlen=3)
      for i in range(5):
          w.append(i)
      w.appendleft(9)
      e = deque("abc")
      e.extendleft("xy")
    `,
    expr: 'list(d), a, b, len(d), d[0], d[-1], list(w), w.maxlen, d.maxlen, list(e), isinstance(d, deque), isinstance(d, list), 3 in d, type(d).__name__, d.count(2), d.index(7)',
    want: [[8, 1, 2, 3, 7], 4, 0, 5, 8, 7, [9, 2, 3], 3, null, ['y', 'x', 'a', 'b', 'c'], true, false, true, 'deque', 1, 4],
  },
  { src: 'from collections import deque', expr: 'deque().pop()', raises: 'IndexError' },
  {
    src: 'from collections import OrderedDict, defaultdict\nd = OrderedDict(a=1, b=2, c=3)\nd.move_to_end("a")\nd.move_to_end("c", last=False)\nk = d.popitem()\nj = d.popitem(last=False)\ndd = defaultdict(list)',
    expr: 'list(d), k, j, type(d).__name__, dd.default_factory is list, type(dd).__name__', want: [['b'], ['a', 1], ['c', 3], 'OrderedDict', true, 'defaultdict'],
  },
];

STDLIB['types.SimpleNamespace, copy, dataclasses'] = [
  {
    src: py`
      from types import SimpleNamespace
      import types
      ns = SimpleNamespace(a=1, b="x")
      ns.c = 3
      cfg = types.SimpleNamespace(depth=[1, 2])
    `,
    expr: 'ns.a, ns.b, ns.c, isinstance(ns, SimpleNamespace), isinstance(3, SimpleNamespace), repr(ns), ns == SimpleNamespace(a=1, b="x", c=3), ns == SimpleNamespace(a=1), vars(cfg), getattr(ns, "zz", None), hasattr(ns, "a")',
    want: [1, 'x', 3, true, false, "namespace(a=1, b='x', c=3)", true, false, { depth: [1, 2] }, null, true],
  },
  { src: 'from types import SimpleNamespace\nns = SimpleNamespace()', expr: 'ns.missing', raises: 'AttributeError' },
  {
    src: py`
      import copy
      a = [[1, 2], {"k": [3]}]
      s = copy.copy(a)
      d = copy.deepcopy(a)
      a[0].append(9)
      a[1]["k"].append(4)
      class Box:
          def __init__(self, v):
              self.v = v
      b = Box([1])
      b2 = copy.deepcopy(b)
      b.v.append(2)
      shared = [1]
      pair = [shared, shared]
      pc = copy.deepcopy(pair)
    `,
    expr: 's[0], d[0], d[1], b2.v, b2 is b, pc[0] is pc[1], pc[0] is shared, copy.copy(5), copy.deepcopy((1, [2]))',
    want: [[1, 2, 9], [1, 2], { k: [3] }, [1], false, true, false, 5, [1, [2]]],
  },
  {
    src: py`
      from dataclasses import dataclass, field, replace, asdict, fields
      from typing import List
      @dataclass
      class Cfg:
          depth: int
          widths: List[int] = field(default_factory=lambda: [16, 32])
          name: str = "net"
          scale: float = 1.0
      a = Cfg(3)
      b = Cfg(4, name="big")
      a.widths.append(64)
      c = replace(a, depth=5)
    `,
    expr: 'a.widths, b.widths, a.widths is b.widths, c.depth, c.widths is a.widths, c.name, asdict(b), [f.name for f in fields(Cfg)], a == Cfg(3, [16, 32, 64]), repr(b)',
    want: [[16, 32, 64], [16, 32], false, 5, true, 'net', { depth: 4, widths: [16, 32], name: 'big', scale: F(1) }, ['depth', 'widths', 'name', 'scale'], true, "Cfg(depth=4, widths=[16, 32], name='big', scale=1.0)"],
  },
  { src: 'from dataclasses import dataclass\n@dataclass\nclass A:\n    x: int', expr: 'A()', raises: 'TypeError' },
];

STDLIB['enum'] = [
  {
    src: py`
      from enum import Enum, IntEnum, auto, unique
      class Color(Enum):
          RED = 1
          GREEN = 2
          BLUE = 3
          CRIMSON = 1
          def describe(self):
              return f"{self.name}={self.value}"
      class Mode(Enum):
          A = auto()
          B = auto()
          C = "c"
          D = auto()
    `,
    expr: 'Color.RED.name, Color.RED.value, Color(2), Color["BLUE"], Color.CRIMSON is Color.RED, [c.name for c in Color], len(Color), Color.RED in Color, isinstance(Color.RED, Color), type(Color.GREEN) is Color, str(Color.RED), repr(Color.RED), f"{Color.BLUE}", Color.RED == Color.RED, Color.RED == 1, Color.GREEN.describe(), [m.value for m in Mode], Mode.D is Mode.B, {Color.RED: "r"}[Color.CRIMSON], Color.RED is not Color.GREEN',
    want: ['RED', 1, { instance: 'Color' }, { instance: 'Color' }, true, ['RED', 'GREEN', 'BLUE'], 3, true, true, true, 'Color.RED', '<Color.RED: 1>', 'Color.BLUE', true, false, 'GREEN=2', [1, 2, 'c'], true, 'r', true],
  },
  { src: 'from enum import Enum\nclass Color(Enum):\n    RED = 1', expr: 'Color(5)', raises: 'ValueError' },
  { src: 'from enum import Enum\nclass Color(Enum):\n    RED = 1', expr: 'Color["PINK"]', raises: 'KeyError' },
  { src: 'from enum import Enum, unique\ntry:\n    @unique\n    class Color(Enum):\n        RED = 1\n        ROUGE = 1\n    ok = False\nexcept ValueError:\n    ok = True\n@unique\nclass Fine(Enum):\n    A = 1', expr: 'ok, Fine.A.value', want: [true, 1] },
  {
    src: py`
      from enum import IntEnum, auto
      class Stage(IntEnum):
          STEM = 1
          BODY = auto()
          HEAD = auto()
      widths = [16, 32, 64, 128]
    `,
    expr: 'Stage.BODY == 2, 2 == Stage.BODY, Stage.HEAD + 1, int(Stage.HEAD), str(Stage.STEM), f"{Stage.HEAD}", repr(Stage.HEAD), Stage.STEM < Stage.HEAD, isinstance(Stage.STEM, int), Stage(3).name, [s.value * 2 for s in Stage]',
    want: [true, true, 4, 3, '1', '3', '<Stage.HEAD: 3>', true, true, 'HEAD', [2, 4, 6]],
  },
  {
    src: py`
      from enum import Flag, auto
      class P(Flag):
          R = 4
          W = 2
          X = 1
      class Q(Flag):
          A = auto()
          B = auto()
          C = auto()
      rw = P.R | P.W
    `,
    expr: 'str(rw), repr(P.R | P.X), rw.name, rw.value, P.R in rw, P.X in rw, bool(P(0)), [m.name for m in rw], [q.value for q in Q], len(P), (rw & P.W) is P.W, repr(~P.R), len(rw)',
    want: ['P.R|W', '<P.R|X: 5>', 'R|W', 6, true, false, false, ['R', 'W'], [1, 2, 4], 3, true, '<P.W|X: 3>', 2],
  },
  { src: 'from enum import StrEnum, auto\nclass S(StrEnum):\n    ALPHA = auto()\n    BETA = "b"', expr: 'S.ALPHA.value, S.ALPHA == "alpha", str(S.BETA), f"{S.BETA}", S("b").name', want: ['alpha', true, 'b', 'b', 'BETA'] },
];

STDLIB['re.error'] = [
  {
    src: py`
      import re
      def fails(p):
          try:
              re.compile(p)
              return None
          except re.error as e:
              return type(e).__name__
    `,
    expr: 'fails("("), fails("a)"), fails("[ab"), fails(r"\\q"), fails("(a)(?:b)"), issubclass(re.error, Exception)', want: ['error', 'error', 'error', 'error', null, true],
  },
  { src: 'import re', expr: 're.sub("a", r"\\q", "a")', raises: 'error' },
];
