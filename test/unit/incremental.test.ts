// Incremental parsing (src/core/python/source.ts): a file parsed again after an edit reuses the
// previous tree, and the result must be the tree a parse from scratch gives — for every kind of
// edit a user makes (typing, deleting, half-typed code, indentation changes, pasting a block).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SourceCache, SourceFile } from '../../src/core/python/source';

const EXAMPLE = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'resnet_cifar.py'), 'utf8');
const TV = '/usr/lib/python3/dist-packages/torchvision/models/resnet.py';

function sameAsFresh(cache: SourceCache, path: string, text: string, what: string): void {
  const inc = cache.get(path, text);
  const fresh = new SourceFile(path, text);
  assert.equal(inc.tree.toString(), fresh.tree.toString(), what);
  assert.equal(inc.tree.length, text.length, what);
  assert.deepEqual(inc.syntaxProblems(), fresh.syntaxProblems(), what);
}

test('edits parsed incrementally give the tree of a parse from scratch', () => {
  const cache = new SourceCache();
  const path = '/m/model.py';
  cache.get(path, EXAMPLE);
  const at = (needle: string) => { const i = EXAMPLE.indexOf(needle); assert.ok(i >= 0, needle); return i; };
  const edits: [string, string][] = [
    ['a digit typed', EXAMPLE.replace('self.in_planes = 16', 'self.in_planes = 166')],
    ['a digit deleted', EXAMPLE.replace('self.in_planes = 16', 'self.in_planes = 1')],
    ['half-typed call', EXAMPLE.slice(0, at('self.bn1 = ')) + 'self.bn1 = nn.BatchNorm2d(' + EXAMPLE.slice(at('self.bn1 = ') + 'self.bn1 = '.length)],
    ['a line dedented', EXAMPLE.replace('        self.bn1 = nn.BatchNorm2d(planes)', 'self.bn1 = nn.BatchNorm2d(planes)')],
    ['a block pasted', EXAMPLE.replace('class ResNet(nn.Module):', 'def helper(x):\n    if x:\n        return [x,\n  1]\n    return None\n\nclass ResNet(nn.Module):')],
    ['an open string', EXAMPLE.replace('num_classes=10', "num_classes='10")],
    ['the original again', EXAMPLE],
    ['everything removed', ''],
    ['all back', EXAMPLE],
  ];
  for (const [what, text] of edits) sameAsFresh(cache, path, text, what);
});

test('a seeded run of random single-span edits stays equal to fresh parses', () => {
  const src = existsSync(TV) ? readFileSync(TV, 'utf8') : EXAMPLE;
  const cache = new SourceCache();
  let text = src;
  cache.get('/m/tv.py', text);
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const pieces = ['', 'x', '(', ')', ':', '\n', '\n    ', '    ', '"', '#', 'def f(', '1.', ',', 'return ', 'class A:\n    pass\n'];
  for (let i = 0; i < 60; i++) {
    const from = rand(text.length + 1);
    const to = Math.min(text.length, from + rand(12));
    text = text.slice(0, from) + pieces[rand(pieces.length)] + text.slice(to);
    sameAsFresh(cache, '/m/tv.py', text, `edit ${i} at ${from}`);
  }
});
