// The engine's process (dist/worker.js) as the editor forks it: requests answered one after the
// other with the same figures, the idle-time collection between them (nodeHost.ts
// collectInIdleTime) changing nothing but when V8 collects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_DIAGNOSTICS } from '../../src/core/analysis/diagnostics';
import { ENGINE_V8_FLAGS } from '../../src/workerProtocol';
import type { WorkerMessage, WorkerReply, AnalyzeResult } from '../../src/workerProtocol';

const ROOT = resolve(__dirname, '../../..');
const EXAMPLE = join(ROOT, 'examples/resnet_cifar.py');

test('the engine process answers back-to-back and spaced requests alike', async () => {
  const child = fork(join(ROOT, 'dist/worker.js'), [], { execArgv: [...ENGINE_V8_FLAGS], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, GHOSTLENS_TREE_CACHE: 'off' } });
  const replies = new Map<number, (r: WorkerReply) => void>();
  child.on('message', (r: WorkerReply) => replies.get(r.id)?.(r));
  const text = readFileSync(EXAMPLE, 'utf8');
  const ask = (id: number) => new Promise<AnalyzeResult>((done, fail) => {
    replies.set(id, (r) => (r.ok ? done(r.result as AnalyzeResult) : fail(new Error(r.error))));
    const msg: WorkerMessage = { id, req: { type: 'analyze', path: EXAMPLE, text, open: {}, entry: {}, diagnostics: DEFAULT_DIAGNOSTICS } };
    child.send(msg);
  });
  try {
    const first = await ask(1);
    assert.ok(first.graph, JSON.stringify(first.error));
    // Three sent at once (no idle time between them), then one after a pause.
    const burst = await Promise.all([ask(2), ask(3), ask(4)]);
    await new Promise((r) => setTimeout(r, 50));
    const later = await ask(5);
    for (const r of [...burst, later]) {
      assert.equal(r.error, null);
      assert.equal(r.graph!.params, first.graph!.params);
      assert.equal(r.graph!.macs, first.graph!.macs);
      assert.deepEqual(r.graph!.outputs, first.graph!.outputs);
    }
  } finally {
    child.kill();
  }
});
