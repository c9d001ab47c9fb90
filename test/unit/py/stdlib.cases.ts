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
