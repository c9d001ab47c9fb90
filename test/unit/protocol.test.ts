// The panel's message protocol (src/protocol.ts): every message both sides send passes its
// check; malformed ones are refused with where and why, logged once by receive(), and never throw,
// whatever arrives (a seeded fuzz of mutations of real messages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  hostMessage, webviewMessage, receive, panelView, profileResult, compareResult, profileOrCompare, redundancyResult, isCompare,
  HostMessage, WebviewMessage,
} from '../../src/protocol';
import { analyzeSource } from '../../src/core/python';
import { DEFAULT_GHOST } from '../../src/core/analysis/ghost';
import { panelView as buildView } from '../../src/views/panelView';
import { nodeHost } from '../../src/cli/nodeHost';
import type { CompareResult, ProfileResult } from '../../src/core/profile/types';
import type { RedundancyResult } from '../../src/core/redundancy/types';

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'resnet_cifar.py');
const graph = analyzeSource(nodeHost, EXAMPLE, readFileSync(EXAMPLE, 'utf8'));

const profile = (scale = 1): ProfileResult => ({
  model: 'resnet56()', input: [[1, 3, 32, 32]], provider: 'cpu',
  providers: [{ name: 'cpu', listed: true, used: true, why: 'always present' }, { name: 'cuda', listed: true, used: false, why: 'libcudart.so.12 not found' }],
  threads: 2, times: [1.2, 1.3, 1.25].map((t) => t * scale),
  stats: { runs: 3, mean: 1.25 * scale, stdev: 0.04 * scale, min: 1.2 * scale, p50: 1.25 * scale, p90: 1.3 * scale, p99: 1.3 * scale, max: 1.3 * scale },
  layers: [{ path: 'conv1', ms: 0.01, share: 0.01, nodes: 1 }],
  stages: graph.stages.map((s, i) => ({ path: s.path, ms: 0.3 + i * 0.01, share: 0.3, nodes: 18 })),
  nodeTotalMs: 1.1 * scale, onnxruntimeVersion: '1.30.0',
});
const compare: CompareResult = {
  before: profile(), after: profile(0.7), ratio: 0.7,
  stages: graph.stages.map((s) => ({ path: s.path, beforeMs: 0.3, afterMs: 0.2, ratio: 0.2 / 0.3 })),
};
const redundancy: RedundancyResult = {
  model: 'resnet56.onnx', calibration: { kind: 'random', source: 'random (16 samples)', samples: 16, fit: 12, test: 4 }, provider: 'cpu',
  stages: [{ stage: 'layer1', firstBlock: 'layer1.0', blocks: [{ path: 'layer1.8', relError: 0.04, channels: 16 }] }],
  layers: [{ path: 'layer1.0.conv1', channels: 16, cosineHistogram: [1, 2, 3], meanAbsCosine: 0.2, nearDuplicateShare: 0.5, threshold: 0.9, ghostReconError: null, ratio: 2 }],
  peakRssBytes: 123456789, notes: ['random inputs: figures show structure, not trained behaviour'],
};

const view = buildView(graph, DEFAULT_GHOST, compare, redundancy);
const hostMessages: HostMessage[] = [
  { type: 'model', doc: { uri: 'file:///w/resnet_cifar.py', name: 'resnet_cifar.py', version: 3 }, view, error: null, analysing: false },
  { type: 'model', doc: { uri: 'file:///w/resnet_cifar.py', name: 'resnet_cifar.py', version: 3 }, view: buildView(graph, DEFAULT_GHOST, null, null), error: null, analysing: false },
  { type: 'model', doc: null, view: null, error: 'No model in this file', analysing: true },
  { type: 'profile', result: profile(), stale: false },
  { type: 'profile', result: compare, stale: true },
  { type: 'profile', result: null, stale: false },
  { type: 'redundancy', result: redundancy, stale: false },
  { type: 'busy', task: 'profile', running: true, canCancel: true },
  { type: 'caps', caps: { trusted: true, profile: true, cancelProfile: false, rewrite: true, redundancy: false } },
  { type: 'notice', level: 'warning', text: 'GhostLens: Profile latency is not available yet' },
  { type: 'focus', path: 'layer1' },
];
const webviewMessages: WebviewMessage[] = [
  { type: 'ready' },
  { type: 'reveal', kind: 'stage', path: 'layer1' },
  { type: 'profile', request: { provider: 'cpu', threads: 2, runs: 50, warmup: 10, compareGhost: true } },
  { type: 'cancelProfile' },
  { type: 'rewrite', kind: 'conv', path: 'layer1.0.conv1' },
  { type: 'measureRedundancy' },
  { type: 'log', level: 'error', text: 'CSP blocked style-src' },
];

/** Through JSON, as postMessage delivers them. */
const wire = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

test('every message either side sends passes its check, after the trip through JSON', () => {
  for (const m of hostMessages) assert.equal(hostMessage(wire(m)), null, `${m.type}`);
  for (const m of webviewMessages) assert.equal(webviewMessage(wire(m)), null, `${m.type}`);
  assert.equal(panelView(wire(view)), null);
  assert.equal(profileResult(wire(profile())), null);
  assert.equal(compareResult(wire(compare)), null);
  assert.equal(redundancyResult(wire(redundancy)), null);
});

test('a message of the other direction, or of no known type, is refused', () => {
  assert.match(hostMessage({ type: 'ready' }) ?? '', /unknown type "ready"/);
  assert.match(webviewMessage({ type: 'model' }) ?? '', /unknown type "model"/);
  assert.match(webviewMessage({ type: 'toString' }) ?? '', /unknown type/, 'inherited names are no message types');
  for (const v of [null, undefined, 42, 'ready', [], {}, { type: 7 }]) assert.notEqual(webviewMessage(v), null, JSON.stringify(v));
});

test('refusals say where the message is wrong', () => {
  const bad = wire(hostMessages[0]) as { view: { stages: { rows: { cells: { value: unknown }[] }[] } } };
  bad.view.stages.rows[1].cells[2].value = { x: 1 };
  assert.equal(hostMessage(bad), 'model.view.stages.rows[1].cells[2].value: expected a string, number or null, got object');
  assert.equal(webviewMessage({ type: 'reveal', kind: 'block', path: 'layer1' }), 'reveal.kind: expected one of stage, module, got string');
  assert.equal(webviewMessage({ type: 'rewrite', kind: 'conv' }), 'rewrite.path: expected a string, got undefined');
  const p = wire(profile()) as { stats: { p50: unknown } };
  p.stats.p50 = null;
  assert.equal(profileResult(p), 'stats.p50: expected a finite number, got null');
  const c = wire(compare) as { after: { provider: unknown } };
  c.after.provider = 'tpu';
  assert.match(profileOrCompare(c) ?? '', /^after\.provider: expected one of cuda, tensorrt/);
  const r = wire(redundancy) as { layers: { ghostReconError: unknown }[] };
  r.layers[0].ghostReconError = 'n/a';
  assert.equal(redundancyResult(r), 'layers[0].ghostReconError: expected a finite number, got string');
  // A table row with a cell too few cannot be drawn under its columns.
  const v = wire(view) as { convs: { rows: { cells: unknown[] }[] } };
  v.convs.rows[0].cells.pop();
  assert.match(panelView(v) ?? '', /^convs\.rows\[0\]: \d+ cells for \d+ columns$/);
});

test('profile requests are checked for sane ranges', () => {
  const req = (r: Record<string, unknown>) => webviewMessage({ type: 'profile', request: { provider: 'auto', threads: 0, runs: 50, warmup: 10, compareGhost: false, ...r } });
  assert.equal(req({}), null);
  assert.match(req({ runs: 0 }) ?? '', /runs: out of range/);
  assert.match(req({ threads: -1 }) ?? '', /threads: out of range/);
  assert.match(req({ warmup: 1e9 }) ?? '', /warmup: out of range/);
  assert.match(req({ runs: 2.5 }) ?? '', /runs: expected an integer/);
  assert.match(req({ provider: 'gpu' }) ?? '', /provider: expected one of auto/);
  assert.match(req({ compareGhost: 'yes' }) ?? '', /compareGhost: expected a boolean/);
});

test('profileOrCompare tells a comparison from a single profile', () => {
  assert.equal(isCompare(compare), true);
  assert.equal(isCompare(profile()), false);
  assert.equal(profileOrCompare(wire(compare)), null);
  assert.equal(profileOrCompare(wire(profile())), null);
  assert.notEqual(profileOrCompare({ before: profile() }), null);
});

test('receive() returns good messages and logs bad ones once, with a short excerpt', () => {
  const logs: string[] = [];
  assert.deepEqual(receive(webviewMessage, { type: 'ready' }, (l) => logs.push(l)), { type: 'ready' });
  assert.equal(logs.length, 0);
  const huge = { type: 'reveal', kind: 'stage', path: 1, pad: 'x'.repeat(10_000) };
  assert.equal(receive(webviewMessage, huge, (l) => logs.push(l)), undefined);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /^ignored a bad message \(reveal\.path: expected a string, got number\): \{"type":"reveal"/);
  assert.ok(logs[0].length < 400, 'the excerpt is short');
});

test('receive() never throws: cycles, throwing getters, functions, symbols', () => {
  const logs: string[] = [];
  const cyclic: Record<string, unknown> = { type: 'profile' };
  cyclic.request = cyclic;
  const trap = new Proxy({}, { get: () => { throw new Error('trap'); } });
  for (const v of [cyclic, trap, Symbol('x'), () => 1, new Date(), new Map(), 10n]) {
    assert.doesNotThrow(() => receive(webviewMessage, v, (l) => logs.push(l)));
  }
  assert.equal(logs.length, 7);
  assert.ok(logs.some((l) => /check failed: trap/.test(l)));
});

test('fuzz: 3,000 seeded mutations of real messages are accepted or refused, never thrown', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const values: unknown[] = [null, undefined, 0, -1, 1.5, NaN, Infinity, '', 'x', true, [], {}, [1, 2], { type: 'ready' }];
  const mutate = (v: unknown, depth: number): unknown => {
    if (depth > 6 || rand() < 0.08) return values[Math.floor(rand() * values.length)];
    if (Array.isArray(v)) {
      const out = v.map((x) => (rand() < 0.05 ? mutate(x, depth + 1) : x));
      if (rand() < 0.1) out.pop();
      return out;
    }
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const k of Object.keys(out)) {
        const r = rand();
        if (r < 0.05) delete out[k];
        else if (r < 0.3) out[k] = mutate(out[k], depth + 1);
      }
      return out;
    }
    return rand() < 0.5 ? v : values[Math.floor(rand() * values.length)];
  };
  // The validators themselves are called: receive() would turn a throw into a refusal and hide it.
  let refused = 0, accepted = 0;
  const thrown: string[] = [];
  const all = [...hostMessages.map((m) => [hostMessage, m] as const), ...webviewMessages.map((m) => [webviewMessage, m] as const)];
  for (let i = 0; i < 3000; i++) {
    const [check, m] = all[i % all.length];
    const v = mutate(wire(m), 0);
    let problem: string | null;
    try { problem = (check as (v: unknown) => string | null)(v); } catch (e) { thrown.push(`${String(e)} on ${JSON.stringify(v)?.slice(0, 200)}`); continue; }
    if (problem === null) accepted++; else refused++;
  }
  assert.deepEqual(thrown.slice(0, 3), [], `${thrown.length} of 3000 checks threw`);
  assert.ok(refused > 1000 && accepted > 100, `refused ${refused}, accepted ${accepted}`);
});
