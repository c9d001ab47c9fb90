// Never lose a file: the CLI's writes (src/cli/safeWrite.ts) are all-or-nothing, go through a
// temporary file in the target's folder, refuse symbolic links and folders outside the model's,
// and roll back ghost_modules.py when the model file cannot be written. Faults are injected
// (a disk that fills mid-write, a rename that fails) and, where this runs as root, a real
// 64 KB tmpfs fills up under `ghostlens rewrite --in-place`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, symlinkSync, mkdirSync, existsSync, statSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import * as fs from 'node:fs';
import { writeFilesAtomically, WriteError, WriteIo, checkWritable } from '../../src/cli/safeWrite';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const fresh = () => mkdtempSync(join(tmpdir(), 'ghostlens-write-'));
const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.includes('.ghostlens-'));

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });

test('writes every file, keeps the mode of a replaced one, leaves no temporary file', () => {
  const d = fresh();
  writeFileSync(join(d, 'm.py'), 'old\n');
  chmodSync(join(d, 'm.py'), 0o640);
  writeFilesAtomically([{ path: join(d, 'ghost_modules.py'), data: 'g\n', within: d }, { path: join(d, 'm.py'), data: 'new\n' }]);
  assert.equal(readFileSync(join(d, 'm.py'), 'utf8'), 'new\n');
  assert.equal(readFileSync(join(d, 'ghost_modules.py'), 'utf8'), 'g\n');
  assert.equal(statSync(join(d, 'm.py')).mode & 0o777, 0o640);
  assert.deepEqual(leftovers(d), []);
});

test('a disk that fills mid-write changes nothing: the old file is whole, no ghost_modules.py, no temp files', () => {
  const d = fresh();
  const old = 'x = 1\n'.repeat(1000);
  writeFileSync(join(d, 'm.py'), old);
  let written = 0;
  const io: WriteIo = {
    writeSync: (fd, buf, off, len) => { if (written + len > 4096) { fs.writeSync(fd, buf, off, 4096 - written); throw enospc(); } written += len; return fs.writeSync(fd, buf, off, len); },
    renameSync: fs.renameSync,
  };
  assert.throws(() => writeFilesAtomically([{ path: join(d, 'ghost_modules.py'), data: 'g\n', within: d }, { path: join(d, 'm.py'), data: 'y = 2\n'.repeat(5000) }], io),
    (e: Error) => e instanceof WriteError && /cannot write .*m\.py: the disk is full \(ENOSPC\)/.test(e.message));
  assert.equal(readFileSync(join(d, 'm.py'), 'utf8'), old);
  assert.ok(!existsSync(join(d, 'ghost_modules.py')));
  assert.deepEqual(leftovers(d), []);
});

test('a failing rename of the model file rolls back ghost_modules.py (new or completed)', () => {
  for (const existing of [null, 'class Mine:\n    pass\n']) {
    const d = fresh();
    writeFileSync(join(d, 'm.py'), 'old\n');
    if (existing) writeFileSync(join(d, 'ghost_modules.py'), existing);
    let renames = 0;
    const io: WriteIo = {
      writeSync: fs.writeSync,
      renameSync: (a, b) => { if (++renames === 2) throw Object.assign(new Error('EIO'), { code: 'EIO' }); fs.renameSync(a, b); },
    };
    assert.throws(() => writeFilesAtomically([{ path: join(d, 'ghost_modules.py'), data: 'new classes\n', within: d }, { path: join(d, 'm.py'), data: 'new\n' }], io), WriteError);
    assert.equal(readFileSync(join(d, 'm.py'), 'utf8'), 'old\n');
    if (existing) assert.equal(readFileSync(join(d, 'ghost_modules.py'), 'utf8'), existing);
    else assert.ok(!existsSync(join(d, 'ghost_modules.py')));
    assert.deepEqual(leftovers(d), []);
  }
});

test('refuses to write through a symbolic link, into a folder, or outside the model folder', () => {
  const d = fresh(), other = fresh();
  writeFileSync(join(other, 'theirs.py'), 'their code\n');
  symlinkSync(join(other, 'theirs.py'), join(d, 'ghost_modules.py'));
  assert.throws(() => writeFilesAtomically([{ path: join(d, 'ghost_modules.py'), data: 'g\n', within: d }]), /symbolic link/);
  assert.equal(readFileSync(join(other, 'theirs.py'), 'utf8'), 'their code\n');
  mkdirSync(join(d, 'folder.py'));
  assert.throws(() => writeFilesAtomically([{ path: join(d, 'folder.py'), data: 'x' }]), /it is a folder/);
  // A linked folder: the file would land in another project.
  symlinkSync(other, join(d, 'linked'));
  assert.throws(() => writeFilesAtomically([{ path: join(d, 'linked', 'ghost_modules.py'), data: 'g\n', within: d }]), /resolves outside/);
  assert.ok(!existsSync(join(other, 'ghost_modules.py')));
  assert.throws(() => checkWritable(join(d, 'no', 'such', 'out.py')), /its folder does not exist \(ENOENT\)/);
});

const MODEL = `import torch.nn as nn\r\n\r\n\r\nclass Net(nn.Module):\r\n    def __init__(self):\r\n        super().__init__()\r\n        # the conv\r\n        self.conv = nn.Conv2d(16, 32, 3, padding=1)  # keep me\r\n\r\n    def forward(self, x):\r\n        return self.conv(x)\r\n`;

test('rewrite --in-place on a full 64 KB tmpfs: exit 2, one line, the file untouched (root only)', (t) => {
  if (process.getuid?.() !== 0) { t.skip('mounting a tmpfs needs root'); return; }
  const d = fresh();
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d]);
  if (m.status !== 0) { t.skip(`mount failed: ${m.stderr}`); return; }
  try {
    const p = join(d, 'm.py');
    writeFileSync(p, MODEL);
    // Fill the disk, leaving less than the rewritten file needs.
    let k = 0;
    try { for (;;) writeFileSync(join(d, `fill${k++}`), Buffer.alloc(4096)); } catch { /* full */ }
    const r = spawnSync(process.execPath, [CLI, 'rewrite', p, '--input', '1x16x8x8', '--all', '--in-place'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    const last = r.stderr.trim().split('\n').pop()!;
    assert.match(last, /^ghostlens: cannot write .*m\.py: the disk is full \(ENOSPC\)$/);
    assert.equal(readFileSync(p, 'utf8'), MODEL);
    assert.deepEqual(leftovers(d), []);
  } finally {
    spawnSync('umount', [d]);
  }
});

test('rewrite keeps CRLF line breaks throughout and every comment', () => {
  const d = fresh();
  const p = join(d, 'm.py');
  writeFileSync(p, MODEL.replace('nn.Conv2d(16, 32, 3, padding=1)', 'nn.Conv2d(  # a\r\n            16,  # b\r\n            32,  # c\r\n            # d\r\n            3, padding=1)'));
  const r = spawnSync(process.execPath, [CLI, 'rewrite', p, '--input', '1x16x8x8', '--all', '--in-place'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = readFileSync(p, 'utf8');
  assert.match(out, /GhostModule\(16, 32/);
  assert.equal(/(^|[^\r])\n/.test(out), false, 'a bare LF in a CRLF file');
  for (const c of ['# the conv', '# keep me', '# a', '# b', '# c', '# d']) assert.ok(out.includes(c), `comment '${c}' lost`);
});

test('rewrite refuses a ghost_modules.py that is a link, before any work; nothing is written', () => {
  const d = fresh(), other = fresh();
  const p = join(d, 'm.py');
  writeFileSync(p, MODEL);
  writeFileSync(join(other, 'x.py'), 'keep\n');
  symlinkSync(join(other, 'x.py'), join(d, 'ghost_modules.py'));
  const r = spawnSync(process.execPath, [CLI, 'rewrite', p, '--input', '1x16x8x8', '--all', '--classes', 'module', '--in-place'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^ghostlens: cannot write .*ghost_modules\.py: it is a symbolic link/);
  assert.equal(readFileSync(p, 'utf8'), MODEL);
  assert.equal(readFileSync(join(other, 'x.py'), 'utf8'), 'keep\n');
});
