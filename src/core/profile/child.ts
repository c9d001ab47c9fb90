// The profiling child process's work: load onnxruntime-node, make the model(s), create sessions
// on the first provider that works, warm up, trace a few runs per node, time the runs, and turn
// the trace into per-module and per-stage times. It runs in its own process (runner.ts forks it)
// because an execution provider can crash or hang in native code.
//
// Order of the runs on each session: warm-up → traced runs (profiling is on from session
// creation and costs ~30% on small models) → endProfiling() → timed runs (no tracing overhead:
// measured equal to a session created without profiling). Two models (before/after) alternate
// run by run, so drift (thermals, other load) hits both alike.
import { freemem } from 'node:os';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { ChildMessage, ErrorKind, JobRequest, OnnxSpec } from './job';
import type { CompareResult, ProfileResult, ProviderName, ProviderNote, TimePart } from './types';
import type { ModelGraph, Stage } from '../graph/model';
import { readOnnx, GraphIndex, OnnxReadError, OnnxGraphInfo } from './onnxGraph';
import { planProviders, createWithFallback, AllProvidersFailed, traceName } from './providers';
import { summarize } from './stats';
import { parseTrace, findTraceFile, Attributor, summarizeRuns, stageTimes, compareStages, timeParts, TraceSummary } from './trace';
import { prepareSource, NoGhostCandidates } from './prepare';
import { importOnnxGraph } from './importGraph';
import { AnalysisError } from '../python/live';
import { ExportError } from '../onnx/builder';
import { RewriteError } from '../rewrite/rewrite';

export class JobError extends Error {
  constructor(readonly kind: ErrorKind, message: string, readonly notes?: ProviderNote[]) { super(message); }
}

type OrtModule = typeof Ort;
type Session = Ort.InferenceSession;

interface Model {
  label: string;
  bytes: Uint8Array;
  info: OnnxGraphInfo;
  graph: ModelGraph | null;
  input?: number[][];
  notes: string[];
}

interface Side {
  model: Model;
  session: Session;
  prefix: string;
  optPath: string | null;
  times: number[];
  sessionMs: number;
}

/** Loads onnxruntime-node: the package folder `path`, else the one beside this bundle. */
export function loadOrt(path: string | null): { ort: OrtModule; version: string; from: string } {
  let ort: OrtModule;
  let from: string;
  try {
    if (path) { ort = require(path) as OrtModule; from = path; }
    else { ort = require('onnxruntime-node') as OrtModule; from = require.resolve('onnxruntime-node'); }
  } catch (e) {
    throw new JobError('ort', `onnxruntime-node could not be loaded${path ? ` from ${path}` : ''}: ${(e as Error).message.split('\n')[0]}`);
  }
  const v = (ort.env as { versions?: { node?: string; common?: string } }).versions;
  return { ort, version: v?.node ?? v?.common ?? 'unknown', from: path ? from : from.replace(/[/\\]dist[/\\]index\.js$/, '') };
}

export async function runJob(req: JobRequest, send: (m: ChildMessage) => void): Promise<ProfileResult | CompareResult> {
  const o = req.options;
  const { ort, version, from } = loadOrt(req.ortPath);
  const models = loadModels(req, send);
  const traced = o.perNode ? Math.max(1, Math.min(o.profileRuns ?? Math.min(o.runs, 10), 1000)) : 0;

  // Sessions: every model on the same provider, the first of the plan that creates them all.
  const plan = planProviders(ort.listSupportedBackends(), o.provider, new Map(req.exclude));
  const cpuErrors: string[] = [];
  let chosen;
  try {
    chosen = await createWithFallback(plan, o.provider, async (p) => {
      const made: Side[] = [];
      try {
        for (let i = 0; i < models.length; i++) {
          send({ type: 'progress', message: `creating the ${p} session${models.length > 1 ? ` (${i ? 'after' : 'before'})` : ''}` });
          made.push(await createSide(ort, models[i], p, o.threads, o.perNode, join(req.tmpDir, `m${i}-${p}`)));
        }
        return made;
      } catch (e) {
        for (const s of made) await s.session.release().catch(() => undefined);
        if (p === 'cpu') cpuErrors.push((e as Error).message);
        throw e;
      }
    }, undefined, (p) => send({ type: 'trying', provider: p }));
  } catch (e) {
    if (e instanceof AllProvidersFailed) {
      // CPU always loads a valid model: when it fails too, the model is the problem.
      if (cpuErrors.length) throw new JobError('model', `onnxruntime cannot load the model: ${cpuErrors[0].split('\n')[0]}`, e.notes);
      throw new JobError('provider', e.message, e.notes);
    }
    throw e;
  }
  const { provider, notes } = chosen;
  const sides = chosen.session;
  send({ type: 'session', provider });

  try {
    // One set of input tensors for both sides, matched by position (their names may differ).
    const feeds = makeFeeds(ort, sides[0].session, models[0].input);
    for (const s of sides.slice(1)) checkSameInputs(sides[0].session, s.session);
    const tensors = Object.values(feeds);
    const feedsOf = new Map(sides.map((s) => [s, Object.fromEntries(s.session.inputNames.map((n, i) => [n, tensors[i]]))]));
    const total = o.warmup + traced + o.runs;
    let done = 0, lastSent = 0;
    // Each phase counts its own runs (`timing runs 12/50`); the fraction is over all of them.
    const tick = (what: string, i: number, of: number) => {
      done++;
      const now = Date.now();
      if (now - lastSent >= 200 || done === total || i === of) { lastSent = now; send({ type: 'progress', message: `${what} ${i}/${of}`, fraction: done / total }); }
    };
    try {
      // Warm-up and traced runs: alternate the sides.
      for (let i = 0; i < o.warmup; i++) { for (const s of sides) await s.session.run(feedsOf.get(s)!); tick('warming up', i + 1, o.warmup); }
      for (let i = 0; i < traced; i++) { for (const s of sides) await s.session.run(feedsOf.get(s)!); tick('tracing runs per node', i + 1, traced); }
      if (o.perNode) for (const s of sides) s.session.endProfiling();
      for (let i = 0; i < o.runs; i++) {
        for (const s of sides) {
          const f = feedsOf.get(s)!;
          const t0 = performance.now();
          await s.session.run(f);
          s.times.push(performance.now() - t0);
        }
        tick('timing runs', i + 1, o.runs);
      }
    } catch (e) {
      if (e instanceof JobError) throw e;
      throw new JobError('model', `onnxruntime failed to run the model on ${provider}: ${(e as Error).message.split('\n')[0]}`, notes);
    }
    send({ type: 'progress', message: 'reading the trace' });
    const inputShapes = Object.values(feeds).map((t) => [...t.dims]);
    // Both sides are attributed to the first model's stages: the Ghost model's modules sit in
    // the place of the stage they replace (layer1 → layer1.first, layer1.middle.0, ...).
    const firstStages = models[0].graph?.stages ?? null;
    const results = sides.map((s) => buildResult(s, {
      provider, notes, threads: o.threads, version, ortPath: from, traced, warmup: o.warmup, input: inputShapes,
    }, firstStages ?? s.model.graph?.stages ?? null));
    if (results.length === 1) return results[0].result;
    const [b, a] = results;
    const stages = models[0].graph ? compareStages(models[0].graph.stages, b.result.layers, a.result.layers) : [];
    return { before: b.result, after: a.result, ratio: a.result.stats.p50 / b.result.stats.p50, stages };
  } finally {
    for (const s of sides) await s.session.release().catch(() => undefined);
  }
}

function loadModels(req: JobRequest, send: (m: ChildMessage) => void): Model[] {
  const job = req.job;
  if (job.kind === 'source') {
    send({ type: 'progress', message: job.compareGhost ? 'analysing, rewriting and exporting the model' : 'analysing and exporting the model' });
    let prepared;
    try {
      prepared = prepareSource(job.source, job.compareGhost);
    } catch (e) {
      if (e instanceof AnalysisError || e instanceof ExportError || e instanceof RewriteError || e instanceof NoGhostCandidates) throw new JobError('source', e.message);
      throw e;
    }
    return prepared.map((p) => ({ label: p.label, bytes: p.bytes, info: readOnnx(p.bytes), graph: p.graph, input: job.source.input, notes: p.notes }));
  }
  return job.models.map((spec: OnnxSpec) => {
    let bytes: Uint8Array;
    try { bytes = readFileSync(spec.path); } catch (e) { throw new JobError('model', `cannot read ${spec.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    let info: OnnxGraphInfo;
    try { info = readOnnx(bytes); } catch (e) {
      if (e instanceof OnnxReadError) throw new JobError('model', `${spec.label}: ${e.message}`);
      throw e;
    }
    const notes = [...(spec.notes ?? [])];
    let graph = spec.graph === 'import' ? null : spec.graph;
    if (spec.graph === 'import') {
      try {
        const imported = importOnnxGraph(bytes, spec.label, spec.input);
        graph = imported.graph;
        if (imported.note) notes.push(imported.note);
      } catch (e) {
        notes.push(`the model's stages could not be read from the ONNX file: ${(e as Error).message}`);
      }
    }
    return { label: spec.label, bytes, info, graph, input: spec.input, notes };
  });
}

async function createSide(ort: OrtModule, model: Model, p: ProviderName, threads: number, perNode: boolean, prefix: string): Promise<Side> {
  // The optimized graph names what the optimizer inserted (layout reorders): written beside the
  // trace with its weights in a separate file. TensorRT compiles subgraphs that cannot be saved.
  const optPath = perNode && p !== 'tensorrt' ? `${prefix}-optimized.onnx` : null;
  const opts: Ort.InferenceSession.SessionOptions = {
    executionProviders: [p],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    ...(perNode ? { enableProfiling: true, profileFilePrefix: prefix } : {}),
    ...(optPath ? {
      optimizedModelFilePath: optPath,
      extra: { session: { optimized_model_external_initializers_file_name: `${prefix.split(/[/\\]/).pop()}-optimized.bin`, optimized_model_external_initializers_min_size_in_bytes: '1024' } },
    } : {}),
  };
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model.bytes, opts);
  return { model, session, prefix, optPath, times: [], sessionMs: performance.now() - t0 };
}

/** Bytes of input a profile feeds at most (onnxruntime also needs room for the activations). */
const MAX_FEED_BYTES = 2 ** 31;

/** Random inputs of the session's input shapes (symbolic dimensions from `shapes`, else 1). */
export function makeFeeds(ort: OrtModule, session: Session, shapes?: number[][]): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = {};
  let seed = 12345;
  const rand = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t ^= t + Math.imul(t ^ (t >>> 7), 61 | t); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  session.inputMetadata.forEach((m, i) => {
    if (!m.isTensor) throw new JobError('model', `input ${m.name} is not a tensor; the profiler feeds tensors only`);
    const given = shapes?.[i];
    const dims = m.shape.map((d, k) => (typeof d === 'number' && d >= 0 ? d : given?.[k] ?? 1));
    if (given && given.length === dims.length && given.some((g, k) => typeof m.shape[k] === 'number' && m.shape[k] !== g)) {
      throw new JobError('model', `input ${m.name} has shape [${m.shape.join(', ')}]; --input ${given.join('x')} does not fit it`);
    }
    const n = dims.reduce((a, b) => a * b, 1);
    // Refused before anything is allocated: a 1x3x100000x100000 input is 120 GB of float32.
    const bytes = n * ({ float64: 8, int64: 8, float16: 2, int8: 1, uint8: 1, bool: 1 }[m.type as string] ?? 4);
    const room = Math.min(MAX_FEED_BYTES, freemem() / 4);
    if (!(bytes <= room)) {
      throw new JobError('model', `input ${m.name} of shape ${dims.join('x')} is ${(bytes / 2 ** 30).toFixed(1)} GB; at most ${(room / 2 ** 30).toFixed(1)} GB fits here (a quarter of the free memory, at most 2 GB): give a smaller --input`);
    }
    switch (m.type) {
      case 'float32': { const a = new Float32Array(n); for (let j = 0; j < n; j++) a[j] = rand() * 2 - 1; feeds[m.name] = new ort.Tensor('float32', a, dims); break; }
      case 'float64': { const a = new Float64Array(n); for (let j = 0; j < n; j++) a[j] = rand() * 2 - 1; feeds[m.name] = new ort.Tensor('float64', a, dims); break; }
      case 'float16': feeds[m.name] = new ort.Tensor('float16', new Uint16Array(n), dims); break;
      case 'int64': feeds[m.name] = new ort.Tensor('int64', new BigInt64Array(n), dims); break;
      case 'int32': feeds[m.name] = new ort.Tensor('int32', new Int32Array(n), dims); break;
      case 'int8': feeds[m.name] = new ort.Tensor('int8', new Int8Array(n), dims); break;
      case 'uint8': feeds[m.name] = new ort.Tensor('uint8', new Uint8Array(n), dims); break;
      case 'bool': feeds[m.name] = new ort.Tensor('bool', new Uint8Array(n), dims); break;
      default: throw new JobError('model', `input ${m.name} is of type ${m.type}, which the profiler cannot fill`);
    }
  });
  return feeds;
}

function checkSameInputs(a: Session, b: Session): void {
  const sig = (s: Session) => JSON.stringify(s.inputMetadata.map((m) => (m.isTensor ? [m.type, m.shape] : 'x')));
  if (sig(a) !== sig(b)) throw new JobError('model', `the two models take different inputs: ${sig(a)} vs ${sig(b)}`);
}

interface Common {
  provider: ProviderName;
  notes: ProviderNote[];
  threads: number;
  version: string;
  ortPath: string;
  traced: number;
  warmup: number;
  input: number[][];
}

function buildResult(s: Side, c: Common, stages: readonly Stage[] | null): { result: ProfileResult; trace: TraceSummary | null } {
  const notes = [...s.model.notes];
  let trace: TraceSummary | null = null;
  let parts: TimePart[] | null = null;
  let tracedRunMs: number | null = null;
  if (c.traced > 0) {
    const file = findTraceFile(s.prefix);
    if (!file) throw new JobError('internal', `onnxruntime wrote no profiling trace (${s.prefix}_*.json)`);
    const runs = parseTrace(readFileSync(file, 'utf8'));
    // The trace holds warm-up and traced runs; the last `traced` ones count.
    const counted = runs.slice(-c.traced);
    let optimized: GraphIndex | null = null;
    if (s.optPath && existsSync(s.optPath)) {
      try { optimized = new GraphIndex(readOnnx(readFileSync(s.optPath))); } catch { optimized = null; }
    }
    const known = s.model.graph ? new Set(s.model.graph.modules.map((m) => m.path)) : null;
    const attributor = new Attributor(new GraphIndex(s.model.info), optimized, known);
    trace = summarizeRuns(counted, attributor);
    if (stages) parts = timeParts(trace, stages);
    const walls = counted.map((r) => r.dur / 1000).sort((a, b) => a - b);
    tracedRunMs = walls.length % 2 ? walls[walls.length >> 1] : (walls[walls.length / 2 - 1] + walls[walls.length / 2]) / 2;
    const sessionEp = traceName[c.provider];
    const elsewhere = trace.providers.filter((p) => p.provider && p.provider !== sessionEp);
    if (c.provider !== 'cpu' && elsewhere.length && trace.totalMs > 0) {
      const ms = elsewhere.reduce((t, p) => t + p.ms, 0);
      notes.push(`${(100 * ms / trace.totalMs).toFixed(1)}% of the node time ran on ${elsewhere.map((p) => p.provider).join(', ')} (nodes ${c.provider} does not run)`);
    }
    if (trace.attribution.unmapped) notes.push(`${trace.attribution.unmapped} traced node(s) could not be mapped to a module (their time is under '')`);
  }
  const stats = summarize(s.times);
  // Stage times comparable with the p50: the share of the traced node time, applied to it.
  const atP50 = (share: number) => share * stats.p50;
  const stageRows = trace && stages ? stageTimes(trace.layers, stages).map((t) => ({ ...t, p50Ms: atP50(t.share) })) : [];
  if (parts) for (const p of parts) p.p50Ms = atP50(p.share);
  const result: ProfileResult = {
    model: s.model.label,
    input: c.input,
    provider: c.provider,
    providers: c.notes,
    threads: c.threads,
    times: s.times,
    stats,
    layers: trace?.layers ?? [],
    stages: stageRows,
    nodeTotalMs: trace ? trace.totalMs : null,
    ...(parts ? { parts } : {}),
    ...(tracedRunMs !== null ? { tracedRunMs } : {}),
    onnxruntimeVersion: c.version,
    onnxruntimePath: c.ortPath,
    profileRuns: c.traced,
    warmup: c.warmup,
    ...(trace ? { nodeProviders: trace.providers, attribution: trace.attribution } : {}),
    sessionMs: s.sessionMs,
    notes,
  };
  return { result, trace };
}
