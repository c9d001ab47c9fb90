// Class lenses and forward hovers (src/views/summary.ts) placed by the classes of the parse tree
// (ModelGraph.classes, core/python/classes.ts), not by scanning the text: a `class` inside a
// docstring is no class, a decorated forward is a forward, a nested class is found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/python';
import { classLenses, hoverAt } from '../../src/views/summary';
import { memHost } from './memhost';

const SRC = `import torch
import torch.nn as nn

DOC = """
class NotAClass(nn.Module):
    def forward(self, x):
        return x
"""


def make():
    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(8, 8, 3, padding=1)

        @torch.jit.unused
        def forward(self, x):
            return self.conv(x)
    return Inner


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.body = make()()

    def forward(self, x):
        x = self.stem(x)
        return self.body(x)
`;

const g = analyzeSource(memHost({ '/m/net.py': SRC }), '/m/net.py', SRC, { model: 'Net()', input: [[1, 3, 16, 16]] });
const lineOf = (s: string) => SRC.split('\n').findIndex((l) => l.includes(s)) + 1;
const offsetOf = (s: string) => SRC.indexOf(s);

test('the graph lists the classes of the file with their forward spans', () => {
  assert.deepEqual(g.classes!.map((c) => [c.name, c.line, c.forward?.line ?? null]), [
    ['Inner', lineOf('class Inner'), lineOf('        def forward')],
    ['Net', lineOf('class Net'), SRC.split('\n').findIndex((l, i) => i > lineOf('class Net') && l.includes('def forward')) + 1],
  ]);
  const net = g.classes!.find((c) => c.name === 'Net')!;
  assert.match(SRC.slice(net.from, net.to), /^class Net\(nn\.Module\):[\s\S]*return self\.body\(x\)\n?$/);
});

test('class lenses: one per class the model instantiates, none for the docstring', () => {
  const lenses = classLenses(g);
  assert.deepEqual(lenses.map((l) => [l.name, l.line, l.root]), [['Inner', lineOf('class Inner'), false], ['Net', lineOf('class Net'), true]]);
  assert.deepEqual(lenses[0].paths, ['body']);
  assert.equal(lenses[1].macs, g.macs);
});

test('forward hovers: the def line gives the class, a call gives the called module', () => {
  const def = hoverAt(g, SRC, offsetOf('def forward(self, x):\n        x = self.stem') + 4)!;
  assert.equal(def.title, 'Net.forward');
  assert.deepEqual(def.rows[0], ['input', '1\u00d73\u00d716\u00d716']);
  const call = hoverAt(g, SRC, offsetOf('self.body(x)') + 6)!;
  assert.equal(call.title, 'body: Inner');
  // Inside the decorated forward of the nested class.
  const inner = hoverAt(g, SRC, offsetOf('return self.conv(x)') + 12)!;
  assert.equal(inner.title, 'body.conv: Conv2d');
  // In the docstring: nothing.
  assert.equal(hoverAt(g, SRC, offsetOf('return x')), null);
});

test('classes are found in every statement that can hold one (if, with, try, loops, decorated), none in expressions', async () => {
  const { classSpans } = await import('../../src/core/python/classes');
  const { SourceFile } = await import('../../src/core/python/source');
  const text = [
    'x = [lambda: 1, "class S: pass"]',
    'if x:',
    '    class A: pass',
    'else:',
    '    with open(x) as f:',
    '        class B: pass',
    'try:',
    '    for i in x:',
    '        while i:',
    '            class C: pass',
    'except Exception:',
    '    @dec(class_=1)',
    '    class D:',
    '        class E:',
    '            def forward(self): pass',
    'match x:',
    '    case 1:',
    '        class F: pass',
    '',
  ].join('\n');
  assert.deepEqual(classSpans(new SourceFile('/m/c.py', text)).map((c) => [c.name, c.line, c.forward?.line ?? null]), [
    ['A', 3, null], ['B', 6, null], ['C', 10, null], ['D', 13, null], ['E', 14, 15], ['F', 18, null],
  ]);
});
