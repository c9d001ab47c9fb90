// Provider choice and fallback with fake backend lists and fake session factories: the GPU path
// is checked here without a GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planProviders, createWithFallback, AllProvidersFailed, explainProviderError, parseProviderChoice } from '../../src/core/profile/providers';
import type { ProviderName } from '../../src/core/profile/types';

const LINUX = [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'cuda', bundled: false }, { name: 'tensorrt', bundled: false }];
const WINDOWS = [{ name: 'cpu' }, { name: 'dml' }, { name: 'webgpu' }];
const MAC = [{ name: 'cpu' }, { name: 'coreml' }, { name: 'webgpu' }];

test('auto tries CUDA → TensorRT → DirectML/CoreML → CPU among the listed ones, never WebGPU', () => {
  assert.deepEqual(planProviders(LINUX, 'auto').tries, ['cuda', 'tensorrt', 'cpu']);
  assert.deepEqual(planProviders(WINDOWS, 'auto').tries, ['dml', 'cpu']);
  assert.deepEqual(planProviders(MAC, 'auto').tries, ['coreml', 'cpu']);
  const notes = planProviders(LINUX, 'auto').notes;
  assert.deepEqual(notes.map((n) => n.name), ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu']);
  assert.match(notes.find((n) => n.name === 'dml')!.why, /not listed/);
  assert.equal(notes.find((n) => n.name === 'dml')!.listed, false);
  assert.match(notes.find((n) => n.name === 'webgpu')!.why, /not tried by auto/);
});

test('a forced provider is tried first and CPU after it; others say why they were not tried', () => {
  const p = planProviders(LINUX, 'webgpu');
  assert.deepEqual(p.tries, ['webgpu', 'cpu']);
  assert.match(p.notes.find((n) => n.name === 'cuda')!.why, /forced to webgpu/);
  assert.deepEqual(planProviders(LINUX, 'cpu').tries, ['cpu']);
  // Forced but not listed (DirectML on Linux): CPU runs, and the note says why.
  const dml = planProviders(LINUX, 'dml');
  assert.deepEqual(dml.tries, ['cpu']);
  assert.match(dml.notes.find((n) => n.name === 'dml')!.why, /forced, but not listed/);
});

test('excluded providers (one that crashed the process) are skipped with their reason', () => {
  const p = planProviders(LINUX, 'auto', new Map<ProviderName, string>([['cuda', 'crashed the profiling process']]));
  assert.deepEqual(p.tries, ['tensorrt', 'cpu']);
  assert.equal(p.notes.find((n) => n.name === 'cuda')!.why, 'crashed the profiling process');
});

test('fallback: CUDA and TensorRT fail to create sessions, CPU runs; the notes keep each reason', async () => {
  const tried: string[] = [];
  const r = await createWithFallback(planProviders(LINUX, 'auto'), 'auto', async (p) => {
    tried.push(p);
    if (p !== 'cpu') throw new Error(`OrtSessionOptionsAppendExecutionProvider_${p}: Failed to load shared library`);
    return { id: p };
  });
  assert.deepEqual(tried, ['cuda', 'tensorrt', 'cpu']);
  assert.equal(r.provider, 'cpu');
  assert.deepEqual(r.session, { id: 'cpu' });
  const cpu = r.notes.find((n) => n.name === 'cpu')!;
  assert.equal(cpu.used, true);
  assert.match(r.notes.find((n) => n.name === 'cuda')!.why, /^failed to create a session: .*Failed to load shared library/);
  assert.equal(r.notes.filter((n) => n.used).length, 1);
});

test('the first working GPU provider wins; later ones are "not needed"', async () => {
  const r = await createWithFallback(planProviders(LINUX, 'auto'), 'auto', async (p) => p);
  assert.equal(r.provider, 'cuda');
  assert.match(r.notes.find((n) => n.name === 'cuda')!.why, /first provider of auto/);
  assert.match(r.notes.find((n) => n.name === 'tensorrt')!.why, /not needed: cuda ran/);
  assert.match(r.notes.find((n) => n.name === 'cpu')!.why, /not needed/);
});

test('a forced provider that fails falls back to CPU and says so', async () => {
  const r = await createWithFallback(planProviders(LINUX, 'cuda'), 'cuda', async (p) => { if (p === 'cuda') throw new Error('no GPU'); return p; });
  assert.equal(r.provider, 'cpu');
  assert.match(r.notes.find((n) => n.name === 'cpu')!.why, /fallback: the forced provider cuda could not run/);
  assert.match(r.notes.find((n) => n.name === 'cuda')!.why, /no GPU/);
});

test('when nothing creates a session, AllProvidersFailed lists every reason', async () => {
  await assert.rejects(
    createWithFallback(planProviders(LINUX, 'auto'), 'auto', async (p) => { throw new Error(`${p} broke`); }),
    (e: unknown) => e instanceof AllProvidersFailed && /cuda: cuda broke; tensorrt: tensorrt broke; cpu: cpu broke/.test(e.message),
  );
});

test("onnxruntime's stderr line names the missing library", () => {
  const stderr = `\x1b[1;31m2026-11-28 14:49:59.655 [E:onnxruntime:onnxruntime-node, provider_bridge_ort.cc:2146 Create] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1988 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /x/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so with error: libcudart.so.12: cannot open shared object file: No such file or directory\x1b[m\n`;
  assert.equal(explainProviderError('cuda', 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library', stderr),
    'libcudart.so.12: cannot open shared object file: No such file or directory');
  // No matching log line: the exception's own message, without onnxruntime's source location.
  assert.equal(explainProviderError('dml', 'Error: something [ONNXRuntimeError] : 1 : FAIL : no device', ''), 'no device');
  assert.match(explainProviderError('webgpu', 'x', 'webgpu_context.cc:136 ... Failed to get a WebGPU adapter: No supported adapters\n'), /Failed to get a WebGPU adapter: No supported adapters/);
});

test('provider names as people type them', () => {
  assert.equal(parseProviderChoice('CUDA'), 'cuda');
  assert.equal(parseProviderChoice('DirectML'), 'dml');
  assert.equal(parseProviderChoice('CPUExecutionProvider'), 'cpu');
  assert.equal(parseProviderChoice('auto'), 'auto');
  assert.equal(parseProviderChoice('tpu'), null);
});
