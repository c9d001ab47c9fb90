// nodeHost answers isFile/isDir from folder listings it keeps while the folders are unchanged
// (src/nodeHost.ts): every answer must be the file system's, as a stat would give it, including
// right after files are made, removed or renamed between analyses, through links, and for paths
// that are not plain absolute ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, renameSync, symlinkSync, utimesSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeHost } from '../../src/nodeHost';

const truth = (p: string) => {
  let st;
  try { st = statSync(p, { throwIfNoEntry: false }); } catch { st = undefined; }
  return { file: !!st?.isFile(), dir: !!st?.isDirectory() };
};

function check(paths: string[], what: string): void {
  nodeHost.newAnalysis!();
  for (const p of paths) assert.deepEqual({ file: nodeHost.isFile(p), dir: nodeHost.isDir(p) }, truth(p), `${what}: ${p}`);
}

test('isFile and isDir follow the file system across analyses (made, removed, renamed, linked)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ghostlens-host-'));
  try {
    const pkg = join(root, 'pkg');
    mkdirSync(join(pkg, 'sub'), { recursive: true });
    writeFileSync(join(pkg, '__init__.py'), '');
    writeFileSync(join(pkg, 'a.py'), 'x = 1\n');
    // Folders last changed long ago: their listings are kept between analyses.
    const old = new Date(Date.now() - 60_000);
    for (const d of [root, pkg, join(pkg, 'sub')]) utimesSync(d, old, old);
    const paths = [
      root, pkg, join(pkg, '__init__.py'), join(pkg, 'a.py'), join(pkg, 'b.py'), join(pkg, 'sub'), join(pkg, 'sub', 'c.py'),
      join(pkg, 'missing', 'd.py'), join(pkg, 'a.py', 'x.py'), join(root, 'link.py'), join(root, 'linkdir', 'a.py'),
      `${pkg}/./a.py`, `${pkg}/../pkg/a.py`, `${pkg}//a.py`, `${pkg}/`, 'relative/a.py', '/',
    ];
    check(paths, 'as made');
    check(paths, 'asked again');
    writeFileSync(join(pkg, 'b.py'), '');
    writeFileSync(join(pkg, 'sub', 'c.py'), '');
    check(paths, 'after two files were made');
    rmSync(join(pkg, 'a.py'));
    check(paths, 'after a file was removed');
    renameSync(join(pkg, 'b.py'), join(pkg, 'a.py'));
    check(paths, 'after a rename');
    symlinkSync(join(pkg, 'a.py'), join(root, 'link.py'));
    symlinkSync(pkg, join(root, 'linkdir'));
    check(paths, 'through links');
    rmSync(join(pkg, 'a.py'));
    check(paths, 'a dangling link');
    mkdirSync(join(pkg, 'missing'));
    writeFileSync(join(pkg, 'missing', 'd.py'), '');
    check(paths, 'a folder made with a file in it');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('without newAnalysis, a change is seen within a second', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ghostlens-host-'));
  try {
    const f = join(root, 'late.py');
    nodeHost.newAnalysis!();
    assert.equal(nodeHost.isFile(f), false);
    writeFileSync(f, '');
    await sleep(1100);
    assert.equal(nodeHost.isFile(f), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
