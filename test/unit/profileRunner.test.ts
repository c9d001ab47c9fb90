// The runner's process handling with a fake child (no onnxruntime): timeout, cancellation, a
// crash while creating a GPU session (run again without that provider), a crash later (clear
// error with the child's last words), errors reported by the child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runJob, ProfileError } from '../../src/core/profile/runner';
import type { ProfileJob } from '../../src/core/profile/job';

const dir = mkdtempSync(join(tmpdir(), 'ghostlens-runner-'));
const worker = join(dir, 'fakeWorker.js');
// The mode travels in the job (source.path); the fake answers like the real child would.
writeFileSync(worker, `
process.once('message', (req) => {
  const mode = req.job.source.path;
  const send = (m) => new Promise((r) => process.send(m, r));
  (async () => {
    if (mode === 'hang') { await send({ type: 'progress', message: 'warming up', fraction: 0.1 }); setInterval(() => {}, 1000); return; }
    if (mode === 'crash-cuda') {
      const excluded = req.exclude.map(([p]) => p);
      if (!excluded.includes('cuda')) { await send({ type: 'trying', provider: 'cuda' }); process.kill(process.pid, 'SIGSEGV'); return; }
      await send({ type: 'result', result: { fake: true, exclude: req.exclude, tmpDir: req.tmpDir } });
      process.exit(0);
    }
    if (mode === 'crash-run') { await send({ type: 'session', provider: 'cpu' }); await send({ type: 'progress', message: 'timing runs', fraction: 0.5 }); process.stderr.write('double free or corruption\\n'); process.exit(134); }
    if (mode === 'error') { await send({ type: 'error', kind: 'model', message: 'model.onnx: not an ONNX model' }); process.exit(1); }
  })();
});
`);
const job = (mode: string): ProfileJob => ({ kind: 'source', source: { path: mode, text: '' }, compareGhost: false });
const isErr = (kind: string, re: RegExp) => (e: unknown) => e instanceof ProfileError && e.kind === kind && re.test(e.message);
const leftovers = () => readdirSync(dir).filter((n) => n.startsWith('ghostlens-profile-'));

test('a hanging child is killed at the timeout; the error names the last step', async () => {
  const progress: string[] = [];
  await assert.rejects(runJob(job('hang'), { timeoutMs: 400 }, { workerPath: worker, tmpRoot: dir, onProgress: (p) => progress.push(p.message) }),
    isErr('timeout', /did not finish within 0 s.*last step: warming up/));
  assert.deepEqual(progress, ['warming up']);
  assert.deepEqual(leftovers(), []);
});

test('an abort signal kills the child and rejects as cancelled', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 150);
  const t0 = Date.now();
  await assert.rejects(runJob(job('hang'), { timeoutMs: 60_000 }, { workerPath: worker, tmpRoot: dir, signal: ac.signal }), isErr('cancelled', /cancelled/));
  assert.ok(Date.now() - t0 < 5000);
  // Already aborted: nothing starts.
  await assert.rejects(runJob(job('hang'), {}, { workerPath: worker, signal: ac.signal }), isErr('cancelled', /cancelled/));
});

test('a child that crashes while creating a CUDA session is run again without CUDA', async () => {
  const progress: string[] = [];
  const r = await runJob(job('crash-cuda'), {}, { workerPath: worker, tmpRoot: dir, onProgress: (p) => progress.push(p.message) }) as unknown as { fake: boolean; exclude: [string, string][] };
  assert.equal(r.fake, true);
  assert.equal(r.exclude.length, 1);
  assert.equal(r.exclude[0][0], 'cuda');
  assert.match(r.exclude[0][1], /crashed the profiling process while creating a session \(killed by SIGSEGV\)/);
  assert.ok(progress.some((p) => /cuda crashed the profiler/.test(p)));
});

test('a crash after the session exists is an error with the phase and the last stderr lines', async () => {
  await assert.rejects(runJob(job('crash-run'), {}, { workerPath: worker, tmpRoot: dir }),
    isErr('crash', /crashed \(exit code 134\) while timing runs: double free or corruption/));
});

test("the child's own errors keep their kind; bad options and a missing bundle are refused up front", async () => {
  await assert.rejects(runJob(job('error'), {}, { workerPath: worker, tmpRoot: dir }), isErr('model', /not an ONNX model/));
  await assert.rejects(runJob(job('error'), { runs: 0 }, { workerPath: worker }), isErr('internal', /runs must be an integer/));
  await assert.rejects(runJob(job('error'), {}, { workerPath: join(dir, 'missing.js') }), isErr('internal', /child bundle is missing/));
  assert.deepEqual(leftovers(), []);
});
