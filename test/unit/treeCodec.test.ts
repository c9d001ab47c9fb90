// Parse trees kept between processes (core/python/treeCodec.ts, src/treeStore.ts): a kept tree
// is the parse's tree node for node (type, from, to), damaged data is no tree, and SourceFile
// reads a kept tree only when it checks out — otherwise it parses, as without a store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parser } from '@lezer/python';
import type { Tree } from '@lezer/common';
import { flattenTree, treeFromFlat } from '../../src/core/python/treeCodec';
import { SourceFile, useTreeStore, TreeStore } from '../../src/core/python/source';
import { maskForParser } from '../../src/core/python/lexmask';
import { diskTreeStore } from '../../src/treeStore';

const ROOT = join(__dirname, '..', '..', '..');
const TIMM = join(ROOT, '..', 'shared', 'corpora', 'timm', 'timm');

function nodes(tree: Tree): string[] {
  const out: string[] = [];
  tree.iterate({ enter: (n) => { out.push(`${n.type.name}@${n.from}-${n.to}`); } });
  return out;
}

function samples(): [string, string][] {
  const out: [string, string][] = [['example', readFileSync(join(ROOT, 'examples', 'resnet_cifar.py'), 'utf8')]];
  out.push(['half-typed', 'class A(nn.Module):\n    def __init__(self):\n        self.c = nn.Conv2d(3, 16, 3 if stride 3,\n    def forward(self, x):\n        return x\n']);
  out.push(['empty', '']);
  for (const dir of [join(TIMM, 'models'), join(TIMM, 'layers')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.py')).sort().slice(0, 25)) out.push([f, readFileSync(join(dir, f), 'utf8')]);
  }
  return out;
}

test('a flattened tree builds back to the same nodes (named, with their spans; error nodes too)', () => {
  for (const [name, text] of samples()) {
    const masked = maskForParser(text);
    const tree = parser.parse(masked);
    const back = treeFromFlat(flattenTree(tree), masked.length);
    assert.ok(back, name);
    assert.deepEqual(nodes(back), nodes(tree), name);
  }
});

test('damaged or foreign data is no tree', () => {
  const text = maskForParser(readFileSync(join(ROOT, 'examples', 'resnet_cifar.py'), 'utf8'));
  const flat = flattenTree(parser.parse(text));
  assert.equal(treeFromFlat(flat, text.length + 1), null, 'another length');
  const flipped = flat.slice(); flipped[10] ^= 1;
  assert.equal(treeFromFlat(flipped, text.length), null, 'one bit changed');
  assert.equal(treeFromFlat(flat.subarray(0, flat.length - 5), text.length), null, 'cut short');
  assert.equal(treeFromFlat(new Int32Array(0), 0), null, 'empty');
  const version = flat.slice(); version[1] += 1;
  assert.equal(treeFromFlat(version, text.length), null, 'another format version');
});

test('SourceFile keeps its trees in the store and reads them back; bad kept data is parsed again', () => {
  const kept = new Map<string, Int32Array>();
  let loads = 0, hits = 0;
  const store: TreeStore = { load: (m) => { loads++; const d = kept.get(m) ?? null; if (d) hits++; return d; }, save: (m, f) => { kept.set(m, f); } };
  const text = readFileSync(join(ROOT, 'examples', 'resnet_cifar.py'), 'utf8');
  useTreeStore(store);
  try {
    const a = new SourceFile('/m/a.py', text);
    assert.equal(kept.size, 1);
    const b = new SourceFile('/m/b.py', text);
    assert.equal(hits, 1);
    assert.deepEqual(nodes(b.tree), nodes(a.tree));
    assert.deepEqual(b.syntaxProblems(), a.syntaxProblems());
    // Damaged data in the store: parsed again, the same tree.
    const [m, f] = [...kept][0];
    const bad = f.slice(); bad[bad.length - 1] ^= 7;
    kept.set(m, bad);
    const c = new SourceFile('/m/c.py', text);
    assert.deepEqual(nodes(c.tree), nodes(a.tree));
    assert.equal(loads, 3);
    // Syntax problems read off a kept tree are the parse's (a kept tree without error nodes has none).
    const half = 'class A(nn.Module):\n    def __init__(self):\n        self.c = nn.Conv2d(3, 16, 3 if stride 3,\n    def forward(self, x):\n        return x\n';
    const fresh = new SourceFile('/m/h1.py', half);
    const again = new SourceFile('/m/h2.py', half);
    assert.ok(fresh.syntaxProblems().length > 0);
    assert.deepEqual(again.syntaxProblems(), fresh.syntaxProblems());
    assert.deepEqual(nodes(again.tree), nodes(fresh.tree));
    assert.equal(hits, 3, "the second half-typed file read the kept tree");
    // A tree cut by the depth limit is not kept (it is reported as such, and parsed again).
    kept.clear();
    const deep = `x = ${'('.repeat(3000)}1${')'.repeat(3000)}\n`;
    const d = new SourceFile('/m/d.py', deep);
    if (d.tooDeepAt >= 0) assert.equal(kept.size, 0);
  } finally {
    useTreeStore(null);
  }
});

test('the disk store: a second process reads what the first wrote; a damaged file is parsed again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-trees-'));
  try {
    const text = readFileSync(join(ROOT, 'examples', 'resnet_cifar.py'), 'utf8');
    const masked = maskForParser(text);
    const one = diskTreeStore(dir);
    assert.equal(one.load(masked), null);
    one.save(masked, flattenTree(parser.parse(masked)));
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    const two = diskTreeStore(dir);
    const data = two.load(masked);
    assert.ok(data && treeFromFlat(data, masked.length));
    assert.equal(two.load(masked + ' '), null, 'another text');
    writeFileSync(join(dir, files[0]), 'not a tree');
    const junk = two.load(masked);
    assert.equal(junk && treeFromFlat(junk, masked.length), null);
    // A folder that cannot be made: nothing kept, nothing thrown.
    const none = diskTreeStore(join(dir, files[0], 'sub'));
    none.save(masked, flattenTree(parser.parse(masked)));
    assert.equal(none.load(masked), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
