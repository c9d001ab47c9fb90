// Python semantics that model files rely on, case by case (the interpreter's first table; see
// harness.ts for how a case runs and how its `want` is checked against CPython).
import { Case, F, py } from './harness';

export const CASES: Record<string, Case[]> = {};

CASES['int and float arithmetic'] = [
  { expr: '7 / 2', want: F(3.5) },
  { expr: '6 / 2', want: F(3) },
  { expr: '7 // 2', want: 3 },
  { expr: '-7 // 2', want: -4 },
  { expr: '7 // -2', want: -4 },
  { expr: '7.5 // 2', want: F(3) },
  { expr: '-7.5 // 2', want: F(-4) },
  { expr: '7 % 3', want: 1 },
  { expr: '-7 % 3', want: 2 },
  { expr: '7 % -3', want: -2 },
  { expr: '-7.5 % 2', want: F(0.5) },
  { expr: '5.5 % -2', want: F(-0.5) },
  { expr: '2 ** 10', want: 1024 },
  { expr: '2 ** -1', want: F(0.5) },
  { expr: '(-2) ** 3', want: -8 },
  { expr: '-2 ** 2', want: -4 },
  { expr: '2 ** 3 ** 2', want: 512 },
  { expr: '4 ** 0.5', want: F(2) },
  { expr: '10 - 2 - 3', want: 5 },
  { expr: '1 + 2 * 3 - 4 / 2', want: F(5) },
  { expr: '(1 + 2) * 3', want: 9 },
  { expr: 'True + True', want: 2 },
  { expr: '3 * 1.0', want: F(3) },
  { expr: '0.1 + 0.2', want: F(0.30000000000000004) },
  { expr: '1e3', want: F(1000) },
  { expr: '1_000 + 0x1F + 0o17 + 0b11', want: 1049 },
  { expr: 'divmod(-7, 2), divmod(7, -2), divmod(7.5, 2), divmod(-7, 2.0)', want: [[-4, 1], [-4, -1], [F(3), F(1.5)], [F(-4), F(1)]] },
  { expr: 'divmod(1, 0)', raises: 'ZeroDivisionError' },
  { expr: 'abs(-3), abs(-2.5)', want: [3, F(2.5)] },
  { expr: 'pow(2, 3), pow(2, -1)', want: [8, F(0.5)] },
  { expr: 'pow(3, 2, 5)', want: 4 },
  { expr: '5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 4, 256 >> 2, -1 >> 1', want: [1, 7, 6, -6, 16, 64, -1] },
  { name: 'augmented assignments', src: 'x = 5\nx += 2\nx *= 3\nx //= 4\nx **= 2\nx -= 1\nx %= 7\ny = 1\ny /= 4', expr: 'x, y', want: [3, F(0.25)] },
  { expr: 'float(0 * -1)', want: F(0) },
  { expr: '3 // 0', raises: 'ZeroDivisionError' },
  { expr: '3.0 % 0', raises: 'ZeroDivisionError' },
  { expr: '1 / 0', raises: 'ZeroDivisionError' },
  { expr: 'None + 1', raises: 'TypeError' },
  {
    name: "torchvision's _make_divisible",
    src: py`
      def _make_divisible(v, divisor, min_value=None):
          if min_value is None:
              min_value = divisor
          new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
          if new_v < 0.9 * v:
              new_v += divisor
          return new_v
    `,
    expr: '[_make_divisible(32 * 0.75, 8), _make_divisible(24 * 1.4, 8), _make_divisible(1280 * 0.35, 8), _make_divisible(3, 8)]',
    want: [24, 32, 448, 8],
  },
];

CASES['round, int(), float()'] = [
  { expr: 'round(2.5), round(3.5), round(-2.5), round(0.5), round(1.5)', want: [2, 4, -2, 0, 2] },
  { expr: 'round(-0.4), round(-0.5)', want: [0, 0] },
  { expr: 'round(2.675, 2)', want: F(2.67) },
  { expr: 'round(1.25, 1), round(1.35, 1)', want: [F(1.2), F(1.4)] },
  { expr: 'round(2.5, 0)', want: F(2) },
  { expr: 'round(7, 1)', want: 7 },
  { expr: 'round(1234, -2), round(1250, -2), round(1350, -2)', want: [1200, 1200, 1400] },
  { expr: 'round(1234.5678, -2)', want: F(1200) },
  { expr: 'type(round(2.5)).__name__', want: 'int' },
  { expr: 'int(3.9), int(-3.9), int(True), int(2.0)', want: [3, -3, 1, 2] },
  { expr: 'int(-0.5)', want: 0 },
  { expr: 'int("42"), int(" -7 "), int("+3"), int("1_000")', want: [42, -7, 3, 1000] },
  { expr: 'int("ff", 16), int("0x10", 16), int("101", 2), int("0o17", 0)', want: [255, 16, 5, 15] },
  { expr: 'int("3.5")', raises: 'ValueError' },
  { expr: 'int("12abc")', raises: 'ValueError' },
  { expr: 'int("1e3")', raises: 'ValueError' },
  { expr: 'int()', want: 0 },
  { expr: 'float("1.5"), float(3), float("1e-3"), float(" 2 ")', want: [F(1.5), F(3), F(0.001), F(2)] },
  { expr: 'float("-inf") < -1e308, float("nan") != float("nan")', want: [true, true] },
  { expr: 'float("abc")', raises: 'ValueError' },
  { expr: 'float()', want: F(0) },
  { expr: 'int(float("2.5"))', want: 2 },
  { expr: 'bool([]), bool("0"), bool(0.0), bool(None), bool((0,))', want: [false, true, false, false, true] },
];

CASES['str() and repr() of numbers'] = [
  { expr: 'str(1/3)', want: '0.3333333333333333' },
  { expr: 'str(2.0), repr(100.0), str(-1.5)', want: ['2.0', '100.0', '-1.5'] },
  { expr: 'str(1e16), str(1e15)', want: ['1e+16', '1000000000000000.0'] },
  { expr: 'str(12345678901234567.0)', want: '1.2345678901234568e+16' },
  { expr: 'str(1e-5), str(0.0001), str(1.5e-7)', want: ['1e-05', '0.0001', '1.5e-07'] },
  { expr: 'str(1e22), str(1.5e300)', want: ['1e+22', '1.5e+300'] },
  { expr: 'str(-0.0)', want: '-0.0' },
  { expr: 'str(float("inf")), str(-float("inf")), str(float("nan"))', want: ['inf', '-inf', 'nan'] },
  { expr: 'str(10 ** 15), str(-42), str(True), str(None)', want: ['1000000000000000', '-42', 'True', 'None'] },
];

CASES['string formatting'] = [
  { src: 'x = 3.14159\nn = 42\ns = "ab"', expr: 'f"{x:.2f}|{n:5}|{s:5}|{n:<5}|{s:>4}|{s:^6}|{n:05d}"', want: '3.14|   42|ab   |42   |  ab|  ab  |00042' },
  { expr: 'f"{-5:05d}", f"{5:+d}", f"{-3:+d}", f"{5: d}"', want: ['-0005', '+5', '-3', ' 5'] },
  { expr: 'f"{12345678:,}", f"{1234.5:,.2f}", f"{1234567:_}"', want: ['12,345,678', '1,234.50', '1_234_567'] },
  { expr: 'f"{0.25:.0%}", f"{0.125:.1%}", f"{0.5:%}"', want: ['25%', '12.5%', '50.000000%'] },
  { expr: 'f"{12345.678:.2e}", f"{0.00012:e}"', want: ['1.23e+04', '1.200000e-04'] },
  { expr: 'f"{3.14159265:g}", f"{1e-5:g}", f"{123456789.0:g}", f"{0.0001:g}", f"{100.0:g}"', want: ['3.14159', '1e-05', '1.23457e+08', '0.0001', '100'] },
  { expr: 'f"{3.14159:.3g}", f"{1234.5:.2g}", f"{2.0:.3g}"', want: ['3.14', '1.2e+03', '2'] },
  { expr: 'f"{3.14159:.2}", f"{1234.5:.2}", f"{3.0:.2}"', want: ['3.1', '1.2e+03', '3.0'] },
  { expr: 'f"{255:x}", f"{255:X}", f"{255:#x}", f"{5:08b}", f"{8:o}"', want: ['ff', 'FF', '0xff', '00000101', '10'] },
  { name: '.Nf rounds ties to even like CPython', expr: 'f"{2.5:.0f}", f"{3.5:.0f}", f"{-2.5:.0f}", f"{0.125:.2f}", f"{0.375:.2f}", f"{1.005:.2f}"', want: ['2', '4', '-2', '0.12', '0.38', '1.00'] },
  { expr: 'f"{3:.2f}", f"{3.14159:8.3f}|", f"{3.14159:<8.3f}|"', want: ['3.00', '   3.142|', '3.142   |'] },
  { expr: 'f"{\'ab\':*<5}", f"{\'ab\':*^7}", f"{\'abcdef\':.3}"', want: ['ab***', '**ab***', 'abc'] },
  { src: 'w = 8\np = 3\nx = 2.0 / 3', expr: 'f"{x:>{w}.{p}f}|", f"{\'a\':{w}}|"', want: ['   0.667|', 'a       |'] },
  { src: 's = "it"', expr: 'f"{s!r}", f"{s!s}", f"{{x}}", f"{[1, \'a\']}", f"{3.0}", f"{1e-5}", f"{None} {True}"', want: ["'it'", 'it', '{x}', "[1, 'a']", '3.0', '1e-05', 'None True'] },
  { src: 'd = {"a": 1}\nx = 0', expr: `f"{d['a']}{'yes' if x else 'no'}{len(d) * 2}"`, want: '1no2' },
  { expr: '"%d items" % 5, "%s-%s" % ("a", 1), "%r" % "x", "%03d" % 7, "%-5s|" % "ab", "%x" % 255, "%d%%" % 50', want: ['5 items', 'a-1', "'x'", '007', 'ab   |', 'ff', '50%'] },
  { expr: '"%5.2f" % 3.14159, "%.1f" % 2.25, "%i" % 3.7, "%5d|" % 42, "%s" % [1, 2], "%s" % None', want: [' 3.14', '2.2', '3', '   42|', '[1, 2]', 'None'] },
  { expr: '"%5s|" % "ab"', want: '   ab|' },
  { expr: '"%.3e" % 12345.678', want: '1.235e+04' },
  { expr: '"%(name)s=%(v)d" % {"name": "x", "v": 3}', want: 'x=3' },
  { expr: '"{} {}".format(1, "a"), "{0}{1}{0}".format("a", "b"), "{name}!".format(name="x"), "{{}}".format()', want: ['1 a', 'aba', 'x!', '{}'] },
  { expr: '"{:>5}|".format("ab"), "{:.3f}".format(2 / 3), "{!r}".format("a"), "{:,}".format(1234567), "{:d}".format(7)', want: ['   ab|', '0.667', "'a'", '1,234,567', '7'] },
  { expr: '"{0[1]}-{1[k]}".format([1, 2], {"k": "v"})', want: '2-v' },
  { src: 'class P:\n    x = 3', expr: '"{p.x}".format(p=P())', want: '3' },
  { expr: '"{:{w}}|".format("x", w=4), "{:>{}}".format("y", 3)', want: ['x   |', '  y'] },
  { expr: '"{}x{}".format(*[1, 2]), "{a}{b}".format(**{"a": 1, "b": 2})', want: ['1x2', '12'] },
  { expr: '"{:08.3f}".format(-3.14159), "{:,}".format(1234.5), "{:>10,.1f}|".format(12345.67), "{:05}".format("ab"), "{:x<4d}".format(7)', want: ['-003.142', '1,234.5', '  12,345.7|', 'ab000', '7xxx'] },
  { expr: 'format(0.5, ".1%"), format(255, "#06x"), format(3, "b"), format("s", "^3"), format(2.0), format(7)', want: ['50.0%', '0x00ff', '11', ' s ', '2.0', '7'] },
  { expr: '"{}".format(1, 2)', want: '1' },
  { expr: '"{} {}".format(1)', raises: 'IndexError' },
  { expr: '"{x}".format(y=1)', raises: 'KeyError' },
  { name: 'str.format counts auto fields past explicit ones', expr: '"{}{}".format("a", "b")', want: 'ab' },
];

CASES['comparisons, is, in, and/or, ternaries'] = [
  { expr: '1 < 2 < 3, 1 < 3 < 2, 3 > 2 == 2, 1 < 2 > 1.5', want: [true, false, true, true] },
  { expr: '1 == 1.0, "a" < "b", [1, 2] < [1, 3], (1, 2) == (1, 2), [1, 2] == (1, 2), (1, 2) < (1, 2, 0)', want: [true, true, true, true, false, true] },
  { src: 'x = 5', expr: '0 <= x < 10, 0 < x < 5, x != 5, None == None, 1 != 2', want: [true, false, false, true, true] },
  {
    name: 'chained comparison stops at the first false link',
    src: 'calls = []\ndef f(v):\n    calls.append(v)\n    return v\nr = 1 > f(2) > f(3)',
    expr: 'r, calls', want: [false, [2]],
  },
  { src: 'x = [1]\ny = x', expr: 'None is None, y is x, [1] is [1], x is not None, x is not y', want: [true, true, false, true, false] },
  { expr: '2 in [1, 2], 3 not in (1, 2), "a" in {"a": 1}, "b" in "abc", (1, 2) in [(1, 2)], 1.0 in [1], True in [1], None in [None]', want: [true, true, true, true, true, true, true, true] },
  { expr: 'not 1 in [2], 1 in {1: "x"}.values(), "x" in {1: "x"}.values(), 5 in range(0, 10, 5), 3 in range(0, 10, 5)', want: [true, false, true, true, false] },
  { expr: '0 or "x", "" or None, 1 and 2, 0 and 1 / 0, [] or [1], None and 1, 1 or 1 / 0', want: ['x', null, 2, 0, [1], null, 1] },
  { expr: '[] or {} or 0, 1 and [] and 2, not [], not not 5', want: [0, [], true, true] },
  // @lezer/python nests `not a or b` as `not (a or b)`; Python means (not a) or b.
  { expr: 'not False or True, not True and False, not True or False and True, not 0 and 1 or 2, not (False or True), [not x or y for x in (0, 1) for y in (0, 1)]', want: [true, false, false, 1, false, [true, true, 0, 1]] },
  { src: 'x = None\ny = x or 5\na = 0\nb = a if a else 3', expr: 'y, b', want: [5, 3] },
  { expr: '"a" if 0 else "b", 1 if False else 2 if True else 3, [y * 2 if y % 2 else y for y in range(4)]', want: ['b', 2, [0, 2, 2, 6]] },
  { src: 'r = []\nfor v in [0, 0.0, "", "False", [], [0], None, {}, {0: 0}]:\n    if v:\n        r.append(True)\n    else:\n        r.append(False)', expr: 'r', want: [false, false, false, true, false, true, false, false, true] },
  { src: 'if (n := 10) > 5:\n    r = n * 2', expr: 'r, n', want: [20, 10] },
  { src: 'ran = False\nif __name__ == "__main__":\n    ran = True', expr: 'ran', want: false, engineOnly: "the engine reads a file as imported, not as a script: its __main__ block does not run (CPython run as a script: True)" },
  { expr: '1 < "a"', raises: 'TypeError' },
];

CASES['comprehensions'] = [
  { expr: '[i * i for i in range(5) if i % 2 == 0]', want: [0, 4, 16] },
  { expr: '[(i, j) for i in range(3) for j in range(i)]', want: [[1, 0], [2, 0], [2, 1]] },
  { expr: '[[j for j in range(i)] for i in range(3)]', want: [[], [0], [0, 1]] },
  { expr: '[x for row in [[1, 2], [3, 4]] for x in row if x > 1 if x != 3]', want: [2, 4] },
  { expr: '{k: v for k, v in zip("ab", [1, 2])}', want: { a: 1, b: 2 } },
  { expr: '{k: v for k, v in [("a", 1), ("b", 2), ("c", 3)] if v != 2}', want: { a: 1, c: 3 } },
  { expr: '{x % 3 for x in range(10)}', want: { set: [0, 1, 2] } },
  { expr: 'sum(x for x in range(5)), list(x * 2 for x in [1, 2]), max(len(s) for s in ["a", "abc"]), any(c > 2 for c in [1, 3])', want: [10, [2, 4], 3, true] },
  { expr: 'tuple(i for i in "ab"), sorted({c for c in "hello"})', want: [['a', 'b'], ['e', 'h', 'l', 'o']] },
  { expr: '[a + b for a, b in [(1, 2), (3, 4)]], [i for i, _ in enumerate("ab")]', want: [[3, 7], [0, 1]] },
  { name: 'comprehension variables do not leak', src: 'x = 10\nys = [x for x in range(3)]', expr: 'x, ys', want: [10, [0, 1, 2]] },
  { name: 'lambdas in a comprehension bind late', expr: '[f() for f in [lambda: i for i in range(3)]]', want: [2, 2, 2] },
  { name: 'default arguments bind early', expr: '[f() for f in [lambda i=i: i for i in range(3)]]', want: [0, 1, 2] },
  { name: 'class body comprehension over a class attribute', src: 'class C:\n    base = [1, 2]\n    d = [b * 2 for b in base]', expr: 'C.d', want: [2, 4] },
  { src: 'd = {(i, j): i * j for i in range(2) for j in range(2)}', expr: 'list(d.values()), d[(1, 1)]', want: [[0, 0, 0, 1], 1] },
  { name: 'comprehension inside a function sees its locals', src: 'def f(n):\n    k = 10\n    return [k + i for i in range(n)]', expr: 'f(3)', want: [10, 11, 12] },
];

CASES['slicing'] = [
  { src: 'a = list(range(10))', expr: 'a[-3:], a[::2], a[::-1], a[1:-1:3], a[-1:-4:-1], a[5:2], a[:100], a[-100:2], a[8:2:-2]', want: [[7, 8, 9], [0, 2, 4, 6, 8], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], [1, 4, 7], [9, 8, 7], [], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1], [8, 6, 4]] },
  { expr: '(1, 2, 3)[1:], "hello"[1:4], "hello"[::-2], "abc"[-1], (1, 2, 3)[-2]', want: [[2, 3], 'ell', 'olh', 'c', 2] },
  { src: 'a = [1, 2, 3]\nc = a[:]', expr: 'c == a, c is a', want: [true, false] },
  { src: 'a = [0, 1, 2, 3, 4]', expr: 'a[slice(1, 3)], a[slice(None, None, -2)]', want: [[1, 2], [4, 2, 0]] },
  { src: 'b = [1, 2, 3, 4]\nb[1:3] = [9]\nb[-1] = 0\nb[1:1] = [5, 6]', expr: 'b', want: [1, 5, 6, 9, 0] },
  { src: 'b = [1, 2, 3, 4]\ndel b[0]', expr: 'b', want: [2, 3, 4] },
  { src: 'b = [1, 2, 3, 4, 5]\ndel b[1:3]', expr: 'b', want: [1, 4, 5] },
  { src: 'b = [1, 2, 3, 4, 5, 6]\nb[::2] = [0, 0, 0]\nc = [1, 2, 3, 4]\nc[::-2] = "ab"', expr: 'b, c', want: [[0, 2, 0, 4, 0, 6], [1, 'b', 3, 'a']] },
  { src: 'b = [1, 2, 3, 4]\ndef f():\n    b[::2] = [0]', expr: 'f()', raises: 'ValueError' },
  { expr: 'range(5)[-1], len(range(0, 10, 3)), list(range(10, 0, -3)), list(range(0))', want: [4, 4, [10, 7, 4, 1], []] },
  { expr: 'range(10)[2:5], list(range(10)[::3])', want: [{ range: [2, 5, 1] }, [0, 3, 6, 9]] },
  { expr: '[1, 2][5]', raises: 'IndexError' },
  { expr: '"abc"[1.0]', raises: 'TypeError' },
];

CASES['unpacking and assignment'] = [
  { src: 'a, b = 1, 2\na, b = b, a', expr: 'a, b', want: [2, 1] },
  { src: 'a, *b = [1, 2, 3]\n*c, d = "xyz"\ne, *f, g = range(5)\nh, *i = [1]', expr: 'a, b, c, d, e, f, g, h, i', want: [1, [2, 3], ['x', 'y'], 'z', 0, [1, 2, 3], 4, 1, []] },
  { src: '(a, b), c = (1, 2), 3\n[d, e] = 4, 5\nf, = [6]\n(g, (h, i)) = (7, (8, 9))', expr: 'a, b, c, d, e, f, g, h, i', want: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
  { src: 'r = []\nfor i, (x, y) in enumerate([(1, 2), (3, 4)]):\n    r.append(i + x * y)', expr: 'r', want: [2, 13] },
  { src: 'r = []\nfor a, *rest in [(1, 2, 3), (4,)]:\n    r.append((a, rest))', expr: 'r', want: [[1, [2, 3]], [4, []]] },
  { src: 'a = b = []\na.append(1)', expr: 'b, a is b', want: [[1], true] },
  { src: 'k, v = {"x": 1}.popitem() if False else ("y", 2)', expr: 'k + str(v)', want: 'y2' },
  { src: 'def f():\n    a, b = [1, 2, 3]', expr: 'f()', raises: 'ValueError' },
  { src: 'def f():\n    a, b, c = [1, 2]', expr: 'f()', raises: 'ValueError' },
  { expr: '[*range(3), *"ab"], (*[1], 2), {**{"a": 1}, "b": 2, **{"a": 3}}', want: [[0, 1, 2, 'a', 'b'], [1, 2], { a: 3, b: 2 }] },
  { expr: 'list({**{"a": 1}, "b": 2, **{"a": 3}}.items())', want: [['a', 3], ['b', 2]] },
  { src: 't = (1,)\nt += (2,)\ns = "a"\ns += "b"\nl = [1]\nl2 = l\nl += (2,)', expr: 't, s, l2', want: [[1, 2], 'ab', [1, 2]] },
  { src: 'class O:\n    pass\no = O()\no.n = 1\no.n += 1\nd = {"k": 1}\nd["k"] += 5\nl = [3]\nl[0] *= 2', expr: 'o.n, d, l', want: [2, { k: 6 }, [6]] },
  { src: 'x = 1\ndel x', expr: 'x', want: { unknown: "name 'x' is not defined" }, engineOnly: 'a deleted name reads as Unknown (CPython: NameError)' },
];

CASES['loops and control flow'] = [
  {
    name: 'for/else with and without break',
    src: py`
      def find(xs, t):
          for i, x in enumerate(xs):
              if x == t:
                  break
          else:
              return -1
          return i
    `,
    expr: 'find([5, 6, 7], 6), find([5, 6], 9), find([], 1)', want: [1, -1, -1],
  },
  {
    name: 'while, continue, break, while/else',
    src: py`
      i = 0
      out = []
      while i < 10:
          i += 1
          if i % 2:
              continue
          if i > 6:
              break
          out.append(i)
      else:
          out.append('else')
      j = 0
      while j < 2:
          j += 1
      else:
          out.append('done')
    `,
    expr: 'out, i, j', want: [[2, 4, 6, 'done'], 8, 2],
  },
  {
    name: 'break leaves only the inner loop',
    src: 'r = []\nfor a in range(3):\n    for b in range(3):\n        if b > a:\n            break\n        r.append((a, b))',
    expr: 'r', want: [[0, 0], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]],
  },
  { name: 'return from inside a loop', src: 'def first_even(xs):\n    for x in xs:\n        if x % 2 == 0:\n            return x\n    return None', expr: 'first_even([1, 3, 4, 6]), first_even([1])', want: [4, null] },
  { name: 'loop variable survives the loop', src: 'for i in range(4):\n    pass', expr: 'i', want: 3 },
  { name: 'body of pass and docstrings', src: 'def f():\n    """Doc."""\n    pass\ndef g():\n    ...\nclass C:\n    """Doc."""', expr: 'f(), g(), C.__name__', want: [null, null, 'C'] },
  { src: 'def f(x):\n    assert x > 0, "neg"\n    return x', expr: 'f(2)', want: 2 },
  { src: 'def f(x):\n    assert x > 0, "neg"\n    return x', expr: 'f(-1)', raises: 'AssertionError' },
  {
    name: 'with binds what __enter__ returns and calls __exit__',
    src: py`
      log = []
      class CM:
          def __enter__(self):
              log.append('enter')
              return 'val'
          def __exit__(self, *a):
              log.append('exit')
              return False
      with CM() as v:
          log.append(v)
    `,
    expr: 'log', want: ['enter', 'val', 'exit'],
  },
];

CASES['exceptions'] = [
  {
    name: 'try/except/else/finally order',
    src: py`
      log = []
      def f(x):
          try:
              log.append('try')
              r = 10 // x
          except ZeroDivisionError as e:
              log.append('except')
              r = -1
          else:
              log.append('else')
          finally:
              log.append('finally')
          return r
      a = f(2)
      b = f(0)
    `,
    expr: 'a, b, log', want: [5, -1, ['try', 'else', 'finally', 'try', 'except', 'finally']],
  },
  {
    name: 'custom exception classes, args and message',
    src: py`
      class MyErr(ValueError):
          pass
      def f():
          raise MyErr('bad', 3)
      try:
          f()
      except ValueError as e:
          r = (isinstance(e, MyErr), e.args, str(e.args[0]), type(e).__name__)
    `,
    expr: 'r', want: [true, ['bad', 3], 'bad', 'MyErr'],
  },
  { src: 'try:\n    {}["k"]\nexcept KeyError:\n    r = "key"', expr: 'r', want: 'key' },
  { src: 'try:\n    [][0]\nexcept (TypeError, IndexError) as e:\n    r = type(e).__name__', expr: 'r', want: 'IndexError' },
  { src: 'try:\n    1 / 0\nexcept Exception as e:\n    r = type(e).__name__', expr: 'r', want: 'ZeroDivisionError' },
  {
    name: 'raising a class instantiates it', src: 'class E(Exception):\n    pass\ntry:\n    raise E\nexcept E as e:\n    r = e.args', expr: 'r', want: [],
  },
  { src: 'try:\n    {}["k"]\nexcept LookupError as e:\n    r = (type(e).__name__, isinstance(e, KeyError))', expr: 'r', want: ['KeyError', true] },
  { src: 'try:\n    1 // 0\nexcept ArithmeticError:\n    r = "arith"', expr: 'r', want: 'arith' },
  { src: 'try:\n    raise ValueError("m")\nexcept ValueError as e:\n    r = str(e)', expr: 'r', want: 'm' },
  { name: 'finally overrides return', src: 'def f():\n    try:\n        return 1\n    finally:\n        return 2', expr: 'f()', want: 2 },
  { name: 'finally runs on return', src: 'log = []\ndef f():\n    try:\n        return 1\n    finally:\n        log.append("f")\nr = f()', expr: 'r, log', want: [1, ['f']] },
  { name: 'an unmatched exception runs finally and propagates', src: 'log = []\ndef f():\n    try:\n        raise KeyError("k")\n    except ValueError:\n        log.append("no")\n    finally:\n        log.append("fin")\ntry:\n    f()\nexcept KeyError:\n    log.append("outer")', expr: 'log', want: ['fin', 'outer'] },
  {
    name: 'bare raise re-raises the active exception',
    src: py`
      def f():
          try:
              raise ValueError('bad')
          except ValueError:
              raise
      def g():
          try:
              f()
          except ValueError as e:
              return 'caught ' + str(e)
    `,
    expr: 'g()', want: 'caught bad',
  },
  { name: 'raise ... from None', src: 'def f():\n    try:\n        {}["x"]\n    except KeyError:\n        raise ValueError("v") from None', expr: 'f()', raises: 'ValueError' },
  {
    name: 'finally runs when the handler raises',
    src: py`
      log = []
      def f():
          try:
              1 / 0
          except ZeroDivisionError:
              raise KeyError('k')
          finally:
              log.append('fin')
      try:
          f()
      except KeyError:
          log.append('outer')
    `,
    expr: 'log', want: ['fin', 'outer'],
  },
  { name: 'exception in a handler propagates', src: 'def f():\n    try:\n        1 / 0\n    except ZeroDivisionError:\n        [][1]', expr: 'f()', raises: 'IndexError' },
  { expr: '{}["x"]', raises: 'KeyError' },
  { src: 'class C:\n    pass', expr: 'C().missing', raises: 'AttributeError' },
  { expr: '"a" + 1', raises: 'TypeError' },
  { src: 'def r(n):\n    return r(n + 1)', expr: 'r(0)', raises: 'RecursionError' },
  {
    name: 'try/except ImportError falls back',
    src: 'try:\n    from not_a_module_anywhere import thing\nexcept ImportError:\n    thing = None',
    expr: 'thing', want: null,
  },
  {
    name: 'try/except ImportError keeps a module that exists',
    files: { 'helpers.py': 'def h():\n    return 5\n' },
    src: 'try:\n    from helpers import h\n    import os\nexcept ImportError:\n    h = None\ntry:\n    import not_a_module_anywhere as m\nexcept Exception:\n    m = 0\ntry:\n    import math\nexcept ImportError:\n    math = None',
    expr: 'h(), m, math.floor(2.5)', want: [5, 0, 2],
  },
];

CASES['functions'] = [
  { src: 'def f(a, b=2, c=3):\n    return [a, b, c]', expr: 'f(1), f(1, 5), f(1, c=9), f(c=0, b=1, a=2)', want: [[1, 2, 3], [1, 5, 3], [1, 2, 9], [2, 1, 0]] },
  { src: 'def f(*args):\n    return args\ndef g(**kw):\n    return kw', expr: 'f(), f(1, 2), g(), g(a=1, b=2)', want: [[], [1, 2], {}, { a: 1, b: 2 }] },
  { src: 'def f(a, *, b=2):\n    return a + b', expr: 'f(1), f(1, b=3)', want: [3, 4] },
  { src: 'def f(a, *, b=2):\n    return a + b', expr: 'f(1, 2)', raises: 'TypeError' },
  { src: 'def f(a, *, b):\n    return a + b', expr: 'f(1)', raises: 'TypeError' },
  { src: 'def f(a, b=2, *args, c, d=4, **kw):\n    return [a, b, args, c, d, kw]', expr: 'f(1, 2, 3, c=5, e=6), f(0, c=1)', want: [[1, 2, [3], 5, 4, { e: 6 }], [0, 2, [], 1, 4, {}]] },
  { src: 'def f(a, /, b):\n    return a - b', expr: 'f(5, 2), f(5, b=1)', want: [3, 4] },
  { src: 'def f(a, b):\n    return a', expr: 'f(1)', raises: 'TypeError' },
  { src: 'def f(a, b):\n    return a', expr: 'f(1, 2, 3)', raises: 'TypeError' },
  { src: 'def f(a):\n    return a', expr: 'f(1, z=2)', raises: 'TypeError' },
  { src: 'def f(a, b):\n    return a', expr: 'f(1, a=2)', raises: 'TypeError' },
  { src: 'def f(a, b=1, c=2):\n    return a * 100 + b * 10 + c', expr: 'f(*[1, 2], **{"c": 3}), f(*(4,)), f(**{"a": 5})', want: [123, 412, 512] },
  { name: 'a mutable default is shared between calls', src: 'def f(x, acc=[]):\n    acc.append(x)\n    return acc\nf(1)', expr: 'f(2)', want: [1, 2] },
  { name: 'defaults are evaluated at definition time', src: 'N = 3\ndef f(x=N):\n    return x\nN = 4', expr: 'f(), N', want: [3, 4] },
  { name: 'functions see globals at call time', src: 'def f():\n    return LATER * 2\nLATER = 21', expr: 'f()', want: 42 },
  { name: 'forwarding *args and **kwargs', src: 'def f(a, b, c=0):\n    return (a, b, c)\ndef wrap(*a, **k):\n    return f(*a, **k)', expr: 'wrap(1, 2, c=3), wrap(1, b=4)', want: [[1, 2, 3], [1, 4, 0]] },
  { name: 'a local does not change the global', src: 'x = 1\ndef f():\n    x = 2\n    return x\nr = f()', expr: 'r, x', want: [2, 1] },
  {
    name: 'closures with nonlocal',
    src: py`
      def make():
          n = 0
          def inc(step=1):
              nonlocal n
              n += step
              return n
          return inc
      c = make()
      c()
      c()
      d = make()
    `,
    expr: 'c(), d(), c(10)', want: [3, 1, 13],
  },
  { name: 'global', src: 'count = 0\ndef bump():\n    global count\n    count += 1\nbump()\nbump()', expr: 'count', want: 2 },
  {
    name: 'global skips enclosing function scopes',
    src: py`
      x = 'module'
      def outer():
          x = 'outer'
          def inner():
              global x
              x = 'set'
          inner()
          return x
      r = outer()
    `,
    expr: 'r, x', want: ['outer', 'set'],
  },
  { name: 'closure over a loop variable', src: 'def make(k):\n    def f(x):\n        return x * k\n    return f\nfs = [make(k) for k in range(3)]', expr: '[f(10) for f in fs]', want: [0, 10, 20] },
  { expr: '(lambda a, b=2: a * b)(3), (lambda *a: len(a))(1, 2), (lambda **k: sorted(k))(b=1, a=2), sorted([3, 1, 2], key=lambda x: -x)', want: [6, 2, ['a', 'b'], [3, 2, 1]] },
  { src: 'ops = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b}', expr: 'ops["add"](2, 3), ops["mul"](2, 3)', want: [5, 6] },
  { src: 'def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)', expr: 'fact(10), fib(15)', want: [3628800, 610] },
  { src: 'def is_even(n):\n    return True if n == 0 else is_odd(n - 1)\ndef is_odd(n):\n    return False if n == 0 else is_even(n - 1)', expr: 'is_even(10), is_odd(7)', want: [true, true] },
  { src: 'def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)', expr: 'depth(100)', want: 100 },
  { src: 'def f():\n    pass', expr: 'f.__name__, f()', want: ['f', null] },
  { src: 'def f():\n    def g():\n        return "g"\n    return g', expr: 'f()(), f().__name__', want: ['g', 'g'] },
  {
    name: 'user-defined decorators are applied',
    src: py`
      def twice(fn):
          def w(*a):
              return fn(*a) * 2
          return w
      @twice
      def g(x):
          return x + 1
    `,
    expr: 'g(1)', want: 4,
  },
  {
    name: 'registry decorators (timm style) return the function',
    src: py`
      _registry = {}
      def register_model(fn):
          _registry[fn.__name__] = fn
          return fn
      @register_model
      def resnet_tiny():
          return 'tiny'
    `,
    expr: 'resnet_tiny(), sorted(_registry)', want: ['tiny', ['resnet_tiny']],
  },
];

const BLOCKS = py`
  class BasicBlock:
      expansion = 1
      def __init__(self, inplanes, planes, stride=1):
          self.inplanes = inplanes
          self.planes = planes
          self.stride = stride
      def out_channels(self):
          return self.planes * self.expansion

  class Bottleneck(BasicBlock):
      expansion = 4
      def __init__(self, inplanes, planes, stride=1, groups=1):
          super().__init__(inplanes, planes, stride)
          self.groups = groups

  class Legacy(Bottleneck):
      def __init__(self, *args, **kwargs):
          super(Legacy, self).__init__(*args, **kwargs)
          self.legacy = True

  def make_layer(block, planes, blocks):
      inplanes = 64
      layers = []
      for i in range(blocks):
          layers.append(block(inplanes, planes, stride=2 if i == 0 else 1))
          inplanes = planes * block.expansion
      return layers
`;

CASES['classes'] = [
  { src: BLOCKS, expr: 'BasicBlock.expansion, Bottleneck.expansion, Bottleneck(64, 16).expansion, Bottleneck(64, 16).out_channels()', want: [1, 4, 4, 64] },
  { src: BLOCKS, expr: '[(b.inplanes, b.stride) for b in make_layer(Bottleneck, 16, 3)]', want: [[64, 2], [64, 1], [64, 1]] },
  { src: BLOCKS + 'layer = make_layer(Bottleneck, 16, 2)\n', expr: 'layer[1].inplanes, layer[0].groups, len(layer)', want: [64, 1, 2] },
  { src: BLOCKS, expr: 'Legacy(8, 2, groups=4).groups, Legacy(8, 2).legacy, Legacy(8, 2, 2).stride', want: [4, true, 2] },
  { src: BLOCKS, expr: 'isinstance(Legacy(1, 1), BasicBlock), issubclass(Bottleneck, BasicBlock), issubclass(BasicBlock, Bottleneck), isinstance(BasicBlock(1, 1), (int, Bottleneck))', want: [true, true, false, false] },
  { src: BLOCKS, expr: 'type(Legacy(1, 1)).__name__, Legacy(1, 1).__class__.__name__, type(Legacy(1, 1)) is Legacy, [c.__name__ for c in Legacy.__mro__]', want: ['Legacy', 'Legacy', true, ['Legacy', 'Bottleneck', 'BasicBlock', 'object']] },
  {
    name: 'diamond inheritance follows the MRO through super()',
    src: py`
      class A:
          def who(self):
              return ['A']
      class B(A):
          def who(self):
              return ['B'] + super().who()
      class C(A):
          def who(self):
              return ['C'] + super().who()
      class D(B, C):
          def who(self):
              return ['D'] + super().who()
    `,
    expr: 'D().who(), [k.__name__ for k in D.__mro__]', want: [['D', 'B', 'C', 'A'], ['D', 'B', 'C', 'A', 'object']],
  },
  {
    name: 'class attributes: shared, shadowed by instances, counted through the class',
    src: py`
      class C:
          n = 0
          items = []
          a = 2
          b = a * 3
          def __init__(self):
              C.n += 1
              self.items.append(C.n)
      x = C()
      y = C()
      x.a = 100
    `,
    expr: 'C.n, C.items, y.items is x.items, x.a, y.a, C.a, C.b', want: [2, [1, 2], true, 100, 2, 2, 6],
  },
  {
    name: 'staticmethod, classmethod, property',
    src: py`
      class Shape:
          scale = 2
          def __init__(self, w, h):
              self.w = w
              self.h = h
          @staticmethod
          def area_of(w, h):
              return w * h
          @classmethod
          def square(cls, s):
              return cls(s, s)
          @property
          def area(self):
              return self.area_of(self.w, self.h) * self.scale
      class Tagged(Shape):
          pass
      t = Tagged.square(3)
    `,
    expr: 'Shape.area_of(2, 3), Shape(1, 2).area_of(4, 5), type(t).__name__, t.area, Shape(2, 5).area', want: [6, 20, 'Tagged', 18, 20],
  },
  {
    name: 'property setter',
    src: py`
      class T:
          def __init__(self):
              self._v = 1
          @property
          def v(self):
              return self._v
          @v.setter
          def v(self, x):
              self._v = x * 10
      t = T()
      t.v = 2
    `,
    expr: 't.v, t._v', want: [20, 20],
  },
  {
    name: 'dotted decorators: @functools.lru_cache(...), @T.v.setter-style chains',
    src: 'import functools\nclass T:\n    @functools.lru_cache(maxsize=None)\n    def f(self, x):\n        return x * 2\n    @property\n    def p(self):\n        return 1\nt = T()',
    expr: 't.f(3), t.p, T.p.fset is None', want: [6, 1, true],
  },
  {
    name: '__call__, __getitem__, __len__, __iter__, __contains__, __bool__',
    src: py`
      class Seq:
          def __init__(self, *items):
              self.items = list(items)
          def __call__(self, x, scale=1):
              return [i * x * scale for i in self.items]
          def __getitem__(self, i):
              return self.items[i]
          def __len__(self):
              return len(self.items)
      class Bag:
          def __init__(self):
              self.xs = [1, 2]
          def __iter__(self):
              return iter(self.xs)
          def __contains__(self, x):
              return x == 'any'
      class Never:
          def __bool__(self):
              return False
      s = Seq(1, 2, 3)
    `,
    expr: 's(2), s(1, scale=3), s[1], s[-1], s[0:2], len(s), list(s), [x for x in s], bool(Seq()), list(Bag()), "any" in Bag(), 1 in Bag(), bool(Never()), callable(s), callable(Bag())',
    want: [[2, 4, 6], [3, 6, 9], 2, 3, [1, 2], 3, [1, 2, 3], [1, 2, 3], false, [1, 2], true, false, false, true, false],
  },
  {
    name: 'operators: __eq__, __add__, __radd__, __mul__, __rmul__',
    src: py`
      class V:
          def __init__(self, x):
              self.x = x
          def __eq__(self, o):
              return isinstance(o, V) and o.x == self.x
          def __add__(self, o):
              return V(self.x + (o.x if isinstance(o, V) else o))
          def __radd__(self, o):
              return V(self.x + o)
          def __mul__(self, k):
              return V(self.x * k)
          def __rmul__(self, k):
              return V(self.x * k * 10)
    `,
    expr: 'V(1) == V(1), V(1) != V(2), (V(1) + V(2)).x, sum([V(1), V(2), V(3)]).x, (V(2) * 3).x, (3 * V(2)).x, V(1) in [V(0), V(1)]',
    want: [true, true, 3, 6, 6, 60, true],
  },
  {
    name: '__str__ and __repr__',
    src: py`
      class R:
          def __repr__(self):
              return 'R()'
      class S:
          def __str__(self):
              return 'an S'
          def __repr__(self):
              return 'S!'
    `,
    expr: 'str(R()), repr(R()), f"{R()}", str([R()]), str(S()), repr(S()), f"{S()}|{S()!r}", "%s" % S()',
    want: ['R()', 'R()', 'R()', '[R()]', 'an S', 'S!', 'an S|S!', 'an S'],
  },
  {
    name: '__getattr__, __setitem__ and __delitem__',
    src: py`
      class Cfg:
          def __init__(self):
              self.d = {}
          def __getattr__(self, k):
              return 'dyn_' + k
          def __setitem__(self, k, v):
              self.d[k] = v
          def __delitem__(self, k):
              del self.d[k]
      c = Cfg()
      c['a'] = 1
      c['b'] = 2
      del c['a']
    `,
    expr: 'c.d, c.whatever, c.d["b"]', want: [{ b: 2 }, 'dyn_whatever', 2],
  },
  {
    name: 'hasattr, getattr with default, setattr, vars',
    src: py`
      class P:
          kind = 'p'
          def __init__(self):
              self.x = 1
          def m(self):
              return 'm'
      p = P()
      setattr(p, 'y', 5)
    `,
    expr: 'hasattr(p, "x"), hasattr(p, "kind"), hasattr(p, "m"), hasattr(p, "nope"), getattr(p, "nope", 7), getattr(p, "x"), getattr(P, "kind", None), getattr(p, "m")(), p.y, vars(p)',
    want: [true, true, true, false, 7, 1, 'p', 'm', 5, { x: 1, y: 5 }],
  },
  { src: 'class P:\n    pass', expr: 'getattr(P(), "nope")', raises: 'AttributeError' },
  {
    name: 'isinstance and type() on builtins',
    expr: 'isinstance(1, (str, int)), isinstance(True, int), isinstance(1.0, int), isinstance([], list), isinstance({}, dict), isinstance(None, type(None)), isinstance((1,), tuple), isinstance("s", str), isinstance(1, float), isinstance(int, type)',
    want: [true, true, false, true, true, true, true, true, false, true],
  },
  { expr: 'type(3) is int, type(3.0) == float, type("a").__name__, type(True) is bool, type([]) is list, type(None).__name__', want: [true, true, 'str', true, true, 'NoneType'] },
  { src: 'def make(k):\n    class K:\n        size = k\n        def get(self):\n            return self.size * 2\n    return K', expr: 'make(3).size, make(4)().get()', want: [3, 8] },
  { src: 'class A:\n    class B:\n        x = 1', expr: 'A.B.x, A.B().x', want: [1, 1] },
  { src: 'class C:\n    D = 3\n    def m(self, x=D):\n        return x\n    @staticmethod\n    def s():\n        return 4\n    def t(self):\n        return self.s() + self.m()', expr: 'C().m(), C().t()', want: [3, 7] },
  { src: 'class C:\n    def m(self):\n        return self\nc = C()\nb = c.m', expr: 'b() is c', want: true },
  { src: 'class C:\n    def __init__(self, a, b=2):\n        self.s = a + b', expr: 'C(1).s, C(b=5, a=1).s', want: [3, 6] },
  { src: 'class C:\n    def __init__(self, a):\n        self.a = a', expr: 'C()', raises: 'TypeError' },
];

CASES['functools.partial'] = [
  { src: 'from functools import partial\ndef f(a, b, c=0, d=0):\n    return [a, b, c, d]\np = partial(f, 1, c=3)', expr: 'p(2), p(2, c=10), p(2, d=4), p(b=5)', want: [[1, 2, 3, 0], [1, 2, 10, 0], [1, 2, 3, 4], [1, 5, 3, 0]] },
  { src: 'import functools\ndef f(a, b, c):\n    return a * 100 + b * 10 + c\nq = functools.partial(functools.partial(f, 1), 2)', expr: 'q(3)', want: 123 },
  {
    name: 'partial of a class with keyword override',
    src: py`
      from functools import partial
      class Norm:
          def __init__(self, ch, eps=1e-5, momentum=0.1):
              self.ch = ch
              self.eps = eps
              self.momentum = momentum
      norm_layer = partial(Norm, eps=0.001)
      n = norm_layer(8)
      m = norm_layer(16, eps=0.01, momentum=0.3)
    `,
    expr: 'n.ch, n.eps, n.momentum, m.eps, m.momentum, isinstance(n, Norm)', want: [8, F(0.001), F(0.1), F(0.01), F(0.3), true],
  },
  { src: 'from functools import partial\ndef f(a, b=1):\n    return a\np = partial(f, 1, b=2)', expr: 'p.func is f, p.args, p.keywords, callable(p)', want: [true, [1], { b: 2 }, true] },
  { src: 'from functools import reduce\nimport operator', expr: 'reduce(lambda a, b: a * b, [1, 2, 3, 4]), reduce(operator.add, [1, 2], 10)', want: [24, 13] },
];

CASES['dataclasses'] = [
  {
    name: 'defaults, default_factory, equality',
    src: py`
      from dataclasses import dataclass, field
      from typing import List
      @dataclass
      class Cfg:
          width: int
          depth: int = 2
          names: List[str] = field(default_factory=list)
          ratio: float = field(default=0.5)
      a = Cfg(8)
      b = Cfg(8)
      a.names.append('x')
      c = Cfg(1, 3, ['y'], ratio=0.25)
    `,
    expr: 'a.width, a.depth, a.names, b.names, a.ratio, c.depth, c.names, c.ratio, Cfg(1) == Cfg(1), Cfg(1) == Cfg(2), Cfg(depth=5, width=1).depth',
    want: [8, 2, ['x'], [], F(0.5), 3, ['y'], F(0.25), true, false, 5],
  },
  {
    name: 'inheritance and __post_init__',
    src: py`
      from dataclasses import dataclass, field
      @dataclass
      class Base:
          in_ch: int
          out_ch: int = 16
      @dataclass
      class Stage(Base):
          blocks: int = 2
          expand: float = 4.0
          def __post_init__(self):
              self.mid = int(self.out_ch * self.expand)
      s = Stage(3)
      t = Stage(3, 8, 1)
    `,
    expr: 's.in_ch, s.out_ch, s.blocks, s.mid, t.out_ch, t.blocks, t.mid, isinstance(s, Base)', want: [3, 16, 2, 64, 8, 1, 32, true],
  },
  {
    name: 'a field with init=False is set by __post_init__',
    src: py`
      from dataclasses import dataclass, field
      @dataclass
      class C:
          a: int
          total: int = field(init=False)
          def __post_init__(self):
              self.total = self.a * 2
    `,
    expr: 'C(4).total', want: 8,
  },
  {
    name: 'frozen dataclass, fields(), asdict(), replace()',
    src: py`
      import dataclasses
      from dataclasses import dataclass
      @dataclass(frozen=True)
      class P:
          x: int
          y: int = 0
      p = P(1, 2)
      q = dataclasses.replace(p, y=5)
    `,
    expr: '[f.name for f in dataclasses.fields(P)], dataclasses.asdict(p), q.x, q.y, p.y', want: [['x', 'y'], { x: 1, y: 2 }, 1, 5, 2],
  },
  { src: 'from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\n    y: int = 0', expr: 'repr(P(1)), str(P(2, 3))', want: ['P(x=1, y=0)', 'P(x=2, y=3)'] },
  { src: 'from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int', expr: 'P()', raises: 'TypeError' },
];

CASES['copy'] = [
  {
    src: py`
      import copy
      class A:
          def __init__(self):
              self.x = 1
              self.items = [1, 2]
      a = A()
      b = copy.copy(a)
      b.x = 9
      b.items.append(3)
      c = copy.deepcopy(a)
      c.items.append(4)
    `,
    expr: 'a.x, b.x, a.items, c.items, b is a, c is a, type(c).__name__', want: [1, 9, [1, 2, 3], [1, 2, 3, 4], false, false, 'A'],
  },
  { src: 'import copy\nx = [1, [2]]\ny = copy.copy(x)\nz = copy.deepcopy(x)\nx[1].append(3)', expr: 'y, z, y[1] is x[1]', want: [[1, [2, 3]], [1, [2]], true] },
  { src: 'import copy\nd = {"a": {"b": [1]}}\ne = copy.deepcopy(d)\ne["a"]["b"].append(2)\nt = copy.deepcopy(([1], 2))', expr: 'd, e, t', want: [{ a: { b: [1] } }, { a: { b: [1, 2] } }, [[1], 2]] },
  { name: 'deepcopy keeps shared references shared', src: 'import copy\ns = [0]\nx = [s, s]\ny = copy.deepcopy(x)\ny[0].append(1)', expr: 'y, y[0] is y[1], x', want: [[[0, 1], [0, 1]], true, [[0], [0]]] },
];

CASES['collections'] = [
  { src: 'from collections import OrderedDict\nod = OrderedDict()\nod["b"] = 1\nod["a"] = 2\nod2 = OrderedDict([("x", 1), ("y", 2)])', expr: 'list(od), list(od.items()), list(od2.keys()), len(od2), isinstance(od, dict)', want: [['b', 'a'], [['b', 1], ['a', 2]], ['x', 'y'], 2, true] },
  { src: 'from collections import OrderedDict', expr: 'isinstance(OrderedDict(), OrderedDict), isinstance({}, OrderedDict)', want: [true, false] },
  {
    name: 'namedtuple',
    src: py`
      from collections import namedtuple
      P = namedtuple('P', ['x', 'y'])
      Q = namedtuple('Q', 'a b')
      R = namedtuple('R', 'a, b')
      p = P(1, y=2)
      x, y = p
    `,
    expr: 'p.x, p[1], x + y, p._fields, Q(3, 4).b, R(5, 6).a, isinstance(p, tuple), len(p), p == (1, 2), list(p), repr(p), p[-1]',
    want: [1, 2, 3, ['x', 'y'], 4, 5, true, 2, true, [1, 2], 'P(x=1, y=2)', 2],
  },
  { src: 'from collections import namedtuple\nP = namedtuple("P", ["x", "y"])\np = P(1, 2)', expr: 'p._replace(x=5), p._asdict()', want: [[5, 2], { x: 1, y: 2 }] },
  { src: 'from collections import namedtuple\nP = namedtuple("P", ["a", "b", "c"], defaults=[0, 9])', expr: 'P(1), P(1, 2)', want: [[1, 0, 9], [1, 2, 9]] },
  {
    name: 'typing.NamedTuple classes',
    src: py`
      from typing import NamedTuple
      class Spec(NamedTuple):
          kernel: int
          stride: int = 1
          def pad(self):
              return self.kernel // 2
      s = Spec(3)
      t = Spec(5, 2)
    `,
    expr: 's.kernel, s.stride, t.stride, s.pad(), t[0], isinstance(s, tuple), list(t)', want: [3, 1, 2, 1, 5, true, [5, 2]],
  },
];

CASES['math'] = [
  { src: 'import math', expr: 'math.ceil(2.1), math.ceil(7 / 2), math.floor(-2.5), math.floor(3), math.trunc(-2.7), math.ceil(-0.5)', want: [3, 4, -3, 3, -2, 0] },
  { src: 'import math', expr: 'math.sqrt(16), math.sqrt(2), math.log(8, 2), math.log(100, 10), math.log(math.e), math.log2(8), math.log10(1000)', want: [F(4), F(1.4142135623730951), F(3), F(2), F(1), F(3), F(3)] },
  { src: 'import math', expr: 'math.exp(1), math.pi, math.gcd(12, 18), math.prod([2, 3, 4]), math.isclose(0.1 + 0.2, 0.3), math.inf > 1e308, math.fabs(-2)', want: [F(2.718281828459045), F(3.141592653589793), 6, 24, true, true, F(2)] },
  { src: 'from math import ceil, floor\nimport math as m', expr: 'ceil(1.2) + floor(1.8), m.pow(2, 3), m.isfinite(1.0)', want: [3, F(8), true] },
];

CASES['builtin functions'] = [
  { expr: 'list(enumerate("ab")), list(enumerate("ab", 1)), list(enumerate([5], start=3))', want: [[[0, 'a'], [1, 'b']], [[1, 'a'], [2, 'b']], [[3, 5]]] },
  { expr: 'list(zip([1, 2, 3], "ab")), dict(zip("ab", range(2))), list(zip(*[(1, 2), (3, 4)])), list(zip())', want: [[[1, 'a'], [2, 'b']], { a: 0, b: 1 }, [[1, 3], [2, 4]], []] },
  { expr: 'list(map(str, [1, 2])), list(map(lambda a, b: a + b, [1, 2], [10, 20])), list(map(int, "123"))', want: [['1', '2'], [11, 22], [1, 2, 3]] },
  { expr: 'list(filter(None, [0, 1, "", "a"])), list(filter(lambda x: x > 1, [1, 2, 3]))', want: [[1, 'a'], [2, 3]] },
  { expr: 'sorted([3, 1, 2], reverse=True), sorted(["bb", "a", "ccc"], key=len), sorted("cba"), sorted({3: "a", 1: "b"}), sorted({3: "a", 1: "b"}.items())', want: [[3, 2, 1], ['a', 'bb', 'ccc'], ['a', 'b', 'c'], [1, 3], [[1, 'b'], [3, 'a']]] },
  { name: 'sorted is stable, also with reverse=True', expr: 'sorted([(1, "b"), (0, "a"), (1, "a")], key=lambda t: t[0]), sorted([(1, "b"), (0, "a"), (1, "a")], key=lambda t: t[0], reverse=True)', want: [[[0, 'a'], [1, 'b'], [1, 'a']], [[1, 'b'], [1, 'a'], [0, 'a']]] },
  { src: 'xs = [1, 2, 3]\nr = list(reversed(xs))', expr: 'r, xs, list(reversed(range(3))), list(reversed((1, 2))), "".join(reversed("abc"))', want: [[3, 2, 1], [1, 2, 3], [2, 1, 0], [2, 1], 'cba'] },
  { expr: 'min(3, 1, 2), max([1, 5, 3]), max("ab", "abc", key=len), min([], default=7), max([(1, "a"), (1, "b")]), min([3, 1], key=lambda x: -x)', want: [1, 5, 'abc', 7, [1, 'b'], 3] },
  { name: 'min/max keep the first of equal keys', expr: 'max([("a", 1), ("b", 1)], key=lambda t: t[1]), min([("a", 1), ("b", 1)], key=lambda t: t[1])', want: [['a', 1], ['a', 1]] },
  { src: 'd = {"a": 3, "b": 7, "c": 5}', expr: 'max(d, key=d.get), min(d.values()), max(d.items(), key=lambda kv: kv[1])', want: ['b', 3, ['b', 7]] },
  { expr: 'max([])', raises: 'ValueError' },
  { expr: 'sum([1, 2, 3]), sum([0.1] * 3), sum([[1], [2]], []), sum(range(5), 10), sum([]), sum([1, 2.5])', want: [6, F(0.30000000000000004), [1, 2], 20, 0, F(3.5)] },
  { expr: 'any([]), all([]), any([0, None]), all([1, "a"]), any(x > 2 for x in [1, 3]), all(x > 2 for x in [1, 3])', want: [false, true, false, true, true, false] },
  { expr: 'len("abc"), len([1]), len((1, 2)), len({"a": 1}), len({1, 2, 2}), len(range(3)), len("")', want: [3, 1, 2, 1, 2, 3, 0] },
  { expr: 'len("héllo"), len("😀"), "a😀b"[2]', want: [5, 1, 'b'] },
  { expr: 'chr(65), ord("a"), list("abc"), tuple([1, 2]), set([1, 1, 2]), dict(a=1), dict([("a", 1)], b=2), list(range(3)), str(12)', want: ['A', 97, ['a', 'b', 'c'], [1, 2], { set: [1, 2] }, { a: 1 }, { a: 1, b: 2 }, [0, 1, 2], '12'] },
  { src: 'it = iter([1, 2])\na = next(it)\nb = next(it)', expr: 'a, b, next(it, "end")', want: [1, 2, 'end'] },
  { src: 'it = iter([])', expr: 'next(it)', raises: 'StopIteration' },
  { expr: 'hash((1, 2)) == hash((1, 2)), callable(len), callable(3), repr("a"), repr([1, "b", None])', want: [true, true, false, "'a'", "[1, 'b', None]"] },
  { name: 'print returns None', expr: 'print("hello", 1, sep="-")', want: null },
];

CASES['dict methods'] = [
  { src: 'd = {"a": None, "b": 0}', expr: 'd.get("a", 5), d.get("b", 5), d.get("z"), d.get("z", 0), "a" in d, d["a"]', want: [null, 0, null, 0, true, null] },
  { src: 'd = {"a": 1, "b": 2}\nx = d.pop("a")\ny = d.pop("z", "dflt")\nz = d.pop("z", None)', expr: 'x, y, z, d', want: [1, 'dflt', null, { b: 2 }] },
  { src: 'd = {}', expr: 'd.pop("z")', raises: 'KeyError' },
  { src: 'd = {}\nd.setdefault("k", []).append(1)\nd.setdefault("k", []).append(2)\nr = d.setdefault("k", "other")\nn = d.setdefault("n")', expr: 'd, r, n', want: [{ k: [1, 2], n: null }, [1, 2], null] },
  { src: 'd = {"a": 1, "b": 2}\nd.update({"a": 3, "c": 4})\nd.update(e=5)\nd.update([("f", 6)])', expr: 'list(d.items())', want: [['a', 3], ['b', 2], ['c', 4], ['e', 5], ['f', 6]] },
  { src: 'd = {"a": 1, "b": 2}\ndel d["a"]\nd["a"] = 3\nd["b"] = 4', expr: 'list(d), list(d.values())', want: [['b', 'a'], [4, 3]] },
  { src: 'd = {"a": 1, "b": 2}\ne = d.copy()\ne["c"] = 3\nd.clear()', expr: 'd, e, len(e)', want: [{}, { a: 1, b: 2, c: 3 }, 3] },
  { expr: 'dict.fromkeys(["a", "b"], 0), dict.fromkeys("xy")', want: [{ a: 0, b: 0 }, { x: null, y: null }] },
  { src: 'd = {"x": 1, "y": 2}\nr = []\nfor k, v in d.items():\n    r.append(k * v)', expr: 'r, [k for k in d], list(d.keys()), "x" in d.keys(), sum(d.values())', want: [['x', 'yy'], ['x', 'y'], ['x', 'y'], true, 3] },
  { expr: '{1: "a"}[1.0], {True: "t"}[1], {(1, 2): "p"}[(1, 2)], {"a": 1} | {"b": 2}, {"a": 1} == {"a": 1.0}', want: ['a', 't', 'p', { a: 1, b: 2 }, true] },
  { src: 'd = {"a": 1}', expr: 'd["b"]', raises: 'KeyError' },
  { src: 'd = {"a": 1, "b": 2}\nk, v = d.popitem()', expr: 'k, v, d', want: ['b', 2, { a: 1 }] },
];

CASES['list methods'] = [
  { src: 'l = [1]\nl.append(2)\nl.extend([3, 4])\nl.extend(x for x in range(2))\nl.extend("ab")\nl.insert(0, "s")\nl.insert(-1, "m")\nl.insert(100, "e")', expr: 'l', want: ['s', 1, 2, 3, 4, 0, 1, 'a', 'm', 'b', 'e'] },
  { src: 'l = [1, 2, 3, 4, 5]\na = l.pop()\nb = l.pop(0)\nc = l.pop(-2)', expr: 'a, b, c, l', want: [5, 1, 3, [2, 4]] },
  { src: 'l = [3, 1, 3, 2]\nl.remove(3)', expr: 'l, l.index(2), l.count(3), [1, 2, 1].count(1)', want: [[1, 3, 2], 2, 1, 2] },
  { src: 'l = [1]', expr: 'l.remove(5)', raises: 'ValueError' },
  { src: 'l = [1]', expr: 'l.index(5)', raises: 'ValueError' },
  { src: 'l = []', expr: 'l.pop()', raises: 'IndexError' },
  { src: 'l = ["b", "C", "a"]\nr = l.sort()\nm = sorted(l, key=str.lower)\nn = [3, 1, 2]\nn.sort(reverse=True)\no = [1, 2, 3]\no.reverse()', expr: 'r, l, m, n, o', want: [null, ['C', 'a', 'b'], ['a', 'b', 'C'], [3, 2, 1], [3, 2, 1]] },
  { src: 'l = [1, 2]\nc = l.copy()\nc.append(3)\nd = list(l)\nl.clear()', expr: 'l, c, d', want: [[], [1, 2, 3], [1, 2]] },
  { src: 'a = [[0]] * 2\na[0].append(1)\nb = [[0] * 2 for _ in range(2)]\nb[0][0] = 5', expr: 'a, b, [0] * 3, [1] + [2], 2 * [1, 2]', want: [[[0, 1], [0, 1]], [[5, 0], [0, 0]], [0, 0, 0], [1, 2], [1, 2, 1, 2]] },
  { expr: '(1, 2, 1).count(1), (1, 2).index(2), (1, 2) + (3,), (1,) * 2', want: [2, 1, [1, 2, 3], [1, 1]] },
];

CASES['string methods'] = [
  { expr: '"a,b,,c".split(","), " a  b ".split(), "a b c".split(" ", 1), "a.b.c".split(".", 1), "a b c".split(maxsplit=1), "x.y.z".rsplit(".", 1)', want: [['a', 'b', '', 'c'], ['a', 'b'], ['a', 'b c'], ['a', 'b.c'], ['a', 'b c'], ['x.y', 'z']] },
  { expr: '"-".join(["a", "b"]), ",".join(str(i) for i in range(3)), "x".join([]), "conv1.weight".split(".")[0]', want: ['a-b', '0,1,2', '', 'conv1'] },
  { expr: '"  hi  ".strip(), "xxhixx".strip("x"), "  hi".lstrip(), "hi  ".rstrip(), "xxhi".lstrip("x"), "hi.py".rstrip(".py")', want: ['hi', 'hi', 'hi', 'hi', 'hi', 'hi'] },
  { expr: '"abc".upper(), "Hello".lower(), "abc def".title(), "abc".capitalize(), "aBc".swapcase()', want: ['ABC', 'hello', 'Abc Def', 'Abc', 'AbC'] },
  { expr: '"abc".startswith(("x", "a")), "abc".endswith("bc"), "abc".startswith("b", 1), "aXbXc".replace("X", "-"), "aaa".replace("a", "b", 2)', want: [true, true, true, 'a-b-c', 'bba'] },
  { expr: '"abc".find("c"), "abc".find("z"), "banana".count("a"), "abc".index("b"), "abcabc".rfind("b")', want: [2, -1, 3, 1, 4] },
  { expr: '"abc".index("z")', raises: 'ValueError' },
  { expr: '"12".isdigit(), "abc".isalpha(), "a1".isalnum(), "ABC".isupper(), "abc".islower(), "  ".isspace(), "x_1".isidentifier()', want: [true, true, true, true, true, true, true] },
  { expr: '"7".zfill(3), "-7".zfill(4), "ab".center(6, "*"), "ab".ljust(4) + "|", "ab".rjust(4, "0")', want: ['007', '-007', '**ab**', 'ab  |', '00ab'] },
  { expr: '"a_b_c".partition("_"), "a_b_c".rpartition("_"), "a\\nb".splitlines()', want: [['a', '_', 'b_c'], ['a_b', '_', 'c'], ['a', 'b']] },
  { expr: '"x" * 3, "abc" * 0, "ab" in "cabd", "a" "b", "it\'s", len("\\t"), len(r"\\n")', want: ['xxx', '', true, 'ab', "it's", 1, 2] },
  { expr: 'str([1, "a"]), str((1,)), str({"a": 1}), str({1, 2}), repr("it\'s"), repr(\'say "hi"\'), str(set()), repr(()), str([1.0, None])', want: ["[1, 'a']", '(1,)', "{'a': 1}", '{1, 2}', `"it's"`, `'say "hi"'`, 'set()', '()', '[1.0, None]'] },
  { expr: '"""multi\nline""".split("\\n")', want: ['multi', 'line'] },
];


CASES['generators'] = [
  {
    src: py`
      def gen(n):
          for i in range(n):
              yield i * 2
      def g2():
          yield from gen(2)
          yield 99
      def early():
          yield 1
          return
          yield 2
      def pairs(d):
          for k, v in d.items():
              if v:
                  yield k, v
    `,
    expr: 'list(gen(3)), sum(gen(4)), list(g2()), list(early()), next(gen(3)), dict(pairs({"a": 1, "b": 0})), [x + 1 for x in gen(2)], tuple(gen(1))',
    want: [[0, 2, 4], 12, [0, 2, 99], [1], 0, { a: 1 }, [1, 3], [0]]
  },
  { name: 'a generator is exhausted after one pass', src: 'def g():\n    yield 1\n    yield 2\nit = g()\na = list(it)\nb = list(it)', expr: 'a, b', want: [[1, 2], []] },
  { name: 'yield as an expression', src: 'def g(n):\n    for i in range(n):\n        _ = yield i * i', expr: 'list(g(3))', want: [0, 1, 4] },
  { name: 'a generator method', src: 'class M:\n    def __init__(self):\n        self.mods = ["a", "b"]\n    def children(self):\n        for m in self.mods:\n            yield m\n    def __iter__(self):\n        yield from self.mods', expr: 'list(M().children()), list(M()), [x for x in M()]', want: [['a', 'b'], ['a', 'b'], ['a', 'b']] },
];

CASES['imports between files'] = [
  {
    name: 'relative from .a import b',
    files: { 'pkg/__init__.py': '', 'pkg/a.py': 'def b():\n    return "b"\nCONST = 7\n' },
    main: 'pkg/main.py', src: 'from .a import b, CONST as K\nv = b()',
    expr: 'v, K', want: ['b', 7],
  },
  {
    name: 'from . import sibling, from ..up import f',
    files: { 'pkg/__init__.py': '', 'pkg/util.py': 'def f():\n    return 1\n', 'pkg/sub/__init__.py': '', 'pkg/sub/tool.py': 'X = 2\n' },
    main: 'pkg/sub/main.py', src: 'from . import tool\nfrom .. import util\nfrom ..util import f',
    expr: 'tool.X, util.f(), f()', want: [2, 1, 1],
  },
  {
    name: 'from pkg.mod import x, found from a parent folder',
    files: { 'pkg/__init__.py': '', 'pkg/mod.py': 'x = 42\n' },
    main: 'tools/scripts/run.py', src: 'from pkg.mod import x',
    expr: 'x', want: 42,
  },
  {
    name: 'import a.b as c, import a.b, from a import b',
    files: { 'a/__init__.py': 'TOP = 1\n', 'a/b.py': 'val = 3\n' },
    src: 'import a.b as c\nimport a.b\nfrom a import b',
    expr: 'c.val, a.b.val, a.TOP, b.val, b is c', want: [3, 3, 1, 3, true],
  },
  {
    name: 'a package __init__ re-exports',
    files: { 'nets/__init__.py': 'from .resnet import *\nfrom .blocks import Block as B\n', 'nets/resnet.py': 'def resnet():\n    return "r"\n_private = 1\n', 'nets/blocks.py': 'class Block:\n    expansion = 4\n' },
    src: 'from nets import resnet, B\nimport nets',
    expr: 'resnet(), B.expansion, hasattr(nets, "_private")', want: ['r', 4, false],
  },
  {
    name: 'subclassing across files with super().__init__',
    files: { 'pkg/__init__.py': '', 'pkg/base.py': 'class Base:\n    expansion = 1\n    def __init__(self, c):\n        self.c = c\n' },
    main: 'pkg/model.py', src: 'from .base import Base\nclass Net(Base):\n    expansion = 2\n    def __init__(self):\n        super().__init__(8)\n        self.d = self.c * self.expansion',
    expr: 'Net().d, Net().c, Base.expansion', want: [16, 8, 1],
  },
  {
    name: 'a module runs once however often it is imported',
    files: { 'counter.py': 'import state\nstate.n += 1\nval = state.n\n', 'state.py': 'n = 0\n', 'a.py': 'from counter import val as va\n', 'b.py': 'from counter import val as vb\n' },
    src: 'from a import va\nfrom b import vb\nimport state',
    expr: 'va, vb, state.n', want: [1, 1, 1],
  },
  {
    name: 'a module imported for its side effects runs',
    files: { 'registry.py': 'MODELS = []\n', 'models.py': 'import registry\nregistry.MODELS.append("m")\n' },
    src: 'import registry\nimport models',
    expr: 'registry.MODELS', want: ['m'],
  },
  { name: 'imports inside a function', files: { 'helpers.py': 'def h():\n    return 5\n' }, src: 'def f():\n    from helpers import h\n    return h()', expr: 'f()', want: 5 },
  {
    name: 'an unresolvable import is Unknown, not an error',
    src: 'from not_installed_anywhere import thing\nimport also_missing\nx = 1',
    expr: 'x, thing, also_missing', want: [1, { unknown: "cannot resolve import 'not_installed_anywhere'" }, { unknown: "cannot resolve import 'also_missing'" }],
    engineOnly: 'CPython raises ModuleNotFoundError; the engine binds Unknown and goes on',
  },
];

CASES['typing and annotations'] = [
  {
    src: py`
      from __future__ import annotations
      from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
      x: List[int] = [1]
      y: Dict[str, int] = {}
      z: int
      def f(a: Optional[int] = None, *args: Any, scale: float = 1.0, **kw: Any) -> Tuple[int, ...]:
          return (a or 0, len(args), scale)
      def g(block: Optional[Callable[..., Any]] = None, sizes: Sequence[int] = (1, 2)) -> "List[int]":
          return list(sizes)
      class C:
          w: int = 3
          v: Union[int, None]
          def m(self, x: "C") -> "C":
              return x
    `,
    expr: 'x, y, f(), f(2, 3, 4, scale=2.0), g(), C.w, hasattr(C, "v"), isinstance(C().m(C()), C)',
    want: [[1], {}, [0, 0, F(1)], [2, 2, F(2)], [1, 2], 3, false, true],
  },
  { src: 'from typing import Sequence, Mapping, TYPE_CHECKING, cast\nif TYPE_CHECKING:\n    import something_heavy\nr = cast(int, 3)', expr: 'isinstance([1], Sequence), isinstance((1,), Sequence), isinstance({}, Sequence), isinstance({}, Mapping), TYPE_CHECKING, r', want: [true, true, false, true, false, 3] },
  { src: 'from typing import List\nimport typing\nT = List[List[int]]\nU = typing.Optional[int]', expr: 'T is not None, U is not None', want: [true, true] },
];

CASES['decorators'] = [
  {
    name: 'unknown decorators act as identity',
    src: py`
      from timm_like.registry import register_model
      import torch_like
      @register_model
      def tiny(pretrained=False):
          return 'tiny'
      @torch_like.jit.unused
      def helper(x):
          return x + 1
      @torch_like.no_grad()
      def g():
          return 3
      @register_model
      class K:
          v = 1
    `,
    expr: 'tiny(), helper(1), g(), K.v', want: ['tiny', 2, 3, 1],
    engineOnly: 'the decorators come from modules that do not exist (CPython: ModuleNotFoundError)',
  },
  { src: 'import functools\n@functools.lru_cache(maxsize=None)\ndef f(x):\n    return x * 2\n@functools.lru_cache\ndef g(x):\n    return x + 1', expr: 'f(2), g(2)', want: [4, 3] },
  { src: 'import torch\n@torch.no_grad()\ndef f(x):\n    return x * 2\n@torch.jit.unused\ndef g(x):\n    return x + 1', expr: 'f(2), g(2)', want: [4, 3], torch: true },
];

CASES['torch at build time'] = [
  {
    name: 'torch.device: x.device.type, str/repr, equality; autocast as a context manager and a decorator',
    src: py`
      import torch
      x = torch.zeros(2, 3)
      d = torch.device('cuda:1')
      with torch.autocast(device_type=x.device.type, enabled=False):
          y = x + 1
      @torch.autocast('cpu')
      def f(t):
          return t * 2
    `,
    expr: "x.device.type, str(x.device), repr(d), d.type, d.index, str(d), x.device == torch.device('cpu'), torch.device('cuda', 0) == torch.device('cuda:0'), x.device == d, isinstance(x.device, torch.device), list(y.shape), list(f(x).shape), repr(torch.device('cpu'))",
    want: ['cpu', 'cpu', "device(type='cuda', index=1)", 'cuda', 1, 'cuda:1', true, true, false, true, [2, 3], [2, 3], "device(type='cpu')"],
    torch: true,
  },
  { src: 'import torch', expr: 'torch.jit.is_scripting(), torch.jit.is_tracing()', want: [false, false], torch: true },
  // Values of small tensors follow reductions, permutations, concatenation and in-place writes.
  {
    src: 'import torch\nz = torch.zeros(3, 4)\nz[:, 1] = torch.arange(3).float()\nz[1:, 2:] += 5\nz[..., 0] = 7\nm = torch.tensor([[1, 2], [3, 4]])',
    expr: 'z.tolist(), torch.tensor([1.0, 2.0, 3.0]).mean().item(), m.permute(1, 0).tolist(), m.sum(0).tolist(), torch.stack([m, m * 2], dim=1).tolist(), torch.cat([m, m], dim=1).tolist(), m.t().tolist()',
    want: [[[7, 0, 0, 0], [7, 1, 5, 5], [7, 2, 5, 5]].map((r) => r.map(F)), F(2), [[1, 3], [2, 4]], [4, 6], [[[1, 2], [2, 4]], [[3, 4], [6, 8]]], [[1, 2, 1, 2], [3, 4, 3, 4]], [[1, 3], [2, 4]]],
    torch: true,
  },
  // A comparison that is not chained returns its value: a tensor mask, not a truth value.
  { src: 'import torch\nx = torch.zeros(2, 3)', expr: 'tuple((x > 0).shape), (x > 0).dtype == torch.bool, tuple(torch.where(x > 0, x, x * 0.1).shape)', want: [[2, 3], true, [2, 3]], torch: true },
  { src: 'import torch\nif not torch.jit.is_scripting():\n    path = "eager"\nelse:\n    path = "script"', expr: 'path', want: 'eager', torch: true },
  {
    name: 'float32 tensor arithmetic (regnet widths)',
    src: 'import torch',
    expr: '(torch.round(torch.log(torch.arange(4) * 27.89 + 48) * 2)).int().tolist()',
    want: [8, 9, 9, 10], torch: true,
  },
  { src: 'import torch', expr: 'torch.arange(4).tolist(), torch.arange(3)', want: [[0, 1, 2, 3], { shape: [3], dtype: 'int64', data: [0, 1, 2] }], torch: true },
  {
    src: 'import torch', expr: '[x.item() for x in torch.linspace(0, 0.2, 4)]', want: [F(0), F(0.06666667014360428), F(0.13333332538604736), F(0.20000000298023224)], torch: true,
  },
  { src: 'import torch', expr: 'torch.zeros(2, 3).shape, torch.zeros(2, 3).size(-1), torch.ones(1, 3, 8, 8).flatten(1).shape, len(torch.zeros(5, 2))', want: [[2, 3], 3, [1, 192], 5], torch: true },
  { src: 'import torch', expr: 'int(torch.tensor(3.7)), float(torch.tensor(2)), torch.tensor([1, 2, 3]).sum().item()', want: [3, F(2), 6], torch: true },
  {
    src: 'import torch.nn as nn\nfrom functools import partial\nnorm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)\nm = norm(16)\nseq = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())',
    expr: 'm.num_features, m.eps, m.momentum, len(seq), isinstance(seq[0], nn.Conv2d), seq[0].out_channels, seq[0].kernel_size',
    want: [16, F(0.001), F(0.01), 2, true, 8, [3, 3]], torch: true,
  },
];
