// The ghostify child's work (src/ghostifyWorker.ts runs it), in order:
//  1. rewrite the source exactly as `ghostlens rewrite` does, at the ONNX model's input shape;
//  2. export the rewritten model (random init, initializers named by state_dict key) and find its
//     Ghost sites and where every other module comes from (sites.ts);
//  3. add to the original model the sums the fits need (surgery.ts, redundancy's StatsBuilder) and
//     stream the calibration batches through it (onnxruntime, CPU): memory is one batch and the sums;
//  4. fit the Ghost parts (fit.ts) on ¾ of the batches, fill every weight (fill.ts);
//  5. on the held-out ¼, run the original and the ghostified model side by side: each site's
//     output and the model's output compared; optionally the same Ghost model at random init;
//  6. write OUT.onnx and the state_dict (safetensors).
import type * as Ort from 'onnxruntime-node';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { rewriteSource, RewriteError } from '../rewrite/rewrite';
import { analyzeModel, AnalysisError, namedModules } from '../python/live';
import type { FileHost } from '../python/imports';
import type { PyInstance } from '../python/values';
import { traceToOnnx, ExportError } from '../onnx/export';
import { importOnnx, OnnxImportError, OnnxImport } from '../onnx/import';
import { onnx, isExternal, valueInfoShape, tensorDims, decodeModel, numel } from '../onnx/proto';
import { listImages, decodeImage, toTensor, Gaussian, CalibrationError } from '../redundancy/calibration';
import { isTestRun } from '../redundancy/job';
import { InputError } from '../redundancy/prepare';
import { readFileParams, floatData } from './fileParams';
import { findSites, Site, ConvSite, StageSite } from './sites';
import { GhostStatsBuilder, PatchGroup, StageStatNames } from './surgery';
import { emptySums, solveLsq, lsqError, relOf, LsqSums } from './fit';
import { fillWeights, withValues, SiteFits, Filled } from './fill';
import { encodeSafetensors, SafeTensor } from './safetensors';
import { chooseOrder, permutableConsumers } from './order';
import type { GhostifyJob, GhostifyMessage, GhostifyResult, OutputAgreement, SiteResult } from './types';

export const isInputError = (e: unknown): boolean => e instanceof InputError || e instanceof CalibrationError;
const bad = (msg: string): never => { throw new InputError(msg); };

type Send = (m: GhostifyMessage) => void;

/** Reads files from disk, with the job's source text in place of its file (an unsaved buffer). */
function diskHost(path: string, text: string): FileHost {
  return {
    readFile: (p) => { if (p === path) return text; try { return readFileSync(p, 'utf8'); } catch { return null; } },
    isFile: (p) => p === path || (statSync(p, { throwIfNoEntry: false })?.isFile() ?? false),
    isDir: (p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false,
  };
}

export async function runGhostifyJob(job: GhostifyJob, send: Send, ort: typeof Ort): Promise<GhostifyResult> {
  const t0 = performance.now();
  const o = job.options;
  const notes: string[] = [];
  send({ type: 'progress', message: 'reading the model' });
  let bytes: Uint8Array;
  try { bytes = readFileSync(job.onnxPath); } catch { return bad(`cannot read ${job.onnxPath}`); }
  let imp: OnnxImport;
  try { imp = importOnnx(bytes, job.onnxPath); } catch (e) {
    if (e instanceof OnnxImportError) bad(`${basename(job.onnxPath)}: ${e.message}`);
    throw e;
  }
  const g = imp.model.graph!;
  if ((g.initializer ?? []).some(isExternal)) bad('models whose weights are stored in external data files are not supported yet');
  if (imp.inputs.length !== 1) bad(`the model has ${imp.inputs.length} inputs; ghostify feeds exactly one`);
  const inp = imp.inputs[0];
  if (inp.elemType !== onnx.TensorProto.DataType.FLOAT) bad(`the model's input ${inp.name} is not float32`);
  if (!inp.shape) bad(`the input ${inp.name} has symbolic dimensions other than the batch`);
  if (imp.opset < 13) bad(`the model's opset is ${imp.opset}; ghostify needs 13 or later (export with opset_version=13+)`);
  const fileShape = inp.shape!;
  const dims0 = valueInfoShape((g.input ?? []).find((v) => v.name === inp.name)!).dims?.[0];
  const fixed = typeof dims0 === 'number';

  // Calibration: as measured redundancy chooses it (fixed batch of the file, else ≥ 4 runs).
  let files: string[] = [];
  if (o.images) files = listImages(o.images, o.limit);
  const samples = o.images ? files.length : o.random!;
  const B = fixed ? fileShape[0] : Math.max(1, Math.min(o.batch, Math.floor(samples / 4)));
  const runs = Math.floor(samples / B);
  if (runs < 2) bad(`${samples} sample${samples === 1 ? '' : 's'} make fewer than 2 batches of ${B}: nothing is left to test the fit on`);
  if (runs * B < samples) notes.push(`${samples - runs * B} of ${samples} samples left out: the model's batch is fixed at ${B}`);

  // ── 1. the rewrite ──
  send({ type: 'progress', message: 'rewriting the source' });
  const text = job.sourceText ?? (() => { try { return readFileSync(job.sourcePath, 'utf8'); } catch { return bad(`cannot read ${job.sourcePath}`); } })();
  const host = diskHost(job.sourcePath, text);
  const userShape = fileShape;
  let rw;
  try {
    rw = rewriteSource(host, job.sourcePath, text, {
      model: job.model, input: [userShape], libraryPaths: job.libraryPaths, settings: job.settings,
      ...(job.all ? { all: true } : { targets: job.targets ?? [] }),
    });
  } catch (e) {
    if (e instanceof RewriteError || e instanceof AnalysisError) bad(e.message);
    throw e;
  }
  if (!rw.edits.length || !rw.after) bad(rw.skipped.length ? `nothing rewritten: ${rw.skipped.map((s) => `${s.path}: ${s.reason}`).join('; ')}` : 'nothing to rewrite');
  const after = rw.after!;

  // ── 2. the rewritten model, exported at the calibration batch (and at the file's shape) ──
  send({ type: 'progress', message: 'exporting the rewritten model' });
  const exportAt = (shape: number[]) => {
    try {
      const live = analyzeModel(host, job.sourcePath, rw.text, { model: rw.before.model, input: [shape], libraryPaths: job.libraryPaths, trace: true });
      if (!live.graph.complete) bad(`the rewritten model's analysis is incomplete (${live.graph.unknowns[0]?.reason ?? 'unknown figures'})`);
      return { live, ex: traceToOnnx(live.trace!, { name: live.graph.model }) };
    } catch (e) {
      if (e instanceof ExportError || e instanceof AnalysisError) bad(`the rewritten model cannot be exported: ${e.message}`);
      throw e;
    }
  };
  const evalShape = [B, ...fileShape.slice(1)];
  const atEval = exportAt(evalShape);
  const atUser = B === userShape[0] ? atEval : exportAt(userShape);
  if (atEval.ex.unknownValues.length) notes.push(`the rewritten model has buffers computed at build time that the static analysis does not know (${atEval.ex.unknownValues.slice(0, 3).join(', ')}): the comparison is not meaningful`);
  const rwImp = importOnnx(atEval.ex.bytes, 'ghostified.onnx');
  const initDims = new Map((rwImp.model.graph!.initializer ?? []).map((t) => [t.name ?? '', tensorDims(t)]));
  const found = findSites(rw.before, after, (n) => initDims.get(n) ?? null);
  notes.push(...found.notes);
  const sites = found.sites;
  if (!sites.length) bad('the rewrite made no GhostModule or G-Ghost stage that could be matched to the original model');
  const fileParams = readFileParams(imp);
  // The file must be an export of this source's model: its convs and linears under the same paths.
  const layers = rw.before.modules.filter((m) => m.leaf && /^(Conv\dd|Linear)$/.test(m.type));
  const inFile = layers.filter((m) => fileParams.modules.has(m.path)).length;
  if (layers.length && inFile < layers.length / 2) {
    bad(`${basename(job.onnxPath)} does not look like an export of ${rw.before.model} in ${basename(job.sourcePath)}: ${inFile} of its ${layers.length} convs and linears are in the file under their module paths${layers[0] ? ` (e.g. ${layers.find((m) => !fileParams.modules.has(m.path))?.path} is not)` : ''}`);
  }

  // C-Ghost: the kept filters and the pairing (order.ts), where the output's readers allow a reorder.
  for (const s of sites) {
    if (s.kind !== 'conv') continue;
    const w = fileParams.modules.get(s.path)?.params.get('weight');
    const out = rwImp.values.get(s.path)?.output;
    const consumers = out ? permutableConsumers(rwImp, out) : null;
    const order = w && consumers ? chooseOrder(w, s.intrinsic, s.ratio) : null;
    if (order && consumers) { s.order = order; s.consumers = consumers; }
  }

  // ── 3. statistics on the original ──
  send({ type: 'progress', message: 'adding the statistics to the model' });
  const out0 = (g.output ?? [])[0];
  const value = (path: string) => {
    const v = imp.values.get(path)?.output;
    const f = v ? imp.facts.get(v) : undefined;
    return v && f?.shape ? { value: v, shape: f.shape, elemType: f.elemType } : null;
  };
  const sb = new GhostStatsBuilder(imp.model);
  const batchScale = B / (imp.inputs[0].shape![0] || 1);
  type ConvPlan = { site: ConvSite; pixels: number; groups: PatchGroup[]; fit: LsqSums[]; test: LsqSums[] };
  type StagePlan = { site: StageSite; pixels: number; names: StageStatNames; fit: LsqSums; test: LsqSums };
  const convPlans: ConvPlan[] = [];
  const stagePlans: StagePlan[] = [];
  const siteOut = new Map<string, { orig: string; ghost: string | null }>();
  const skipSite = (s: Site, why: string) => notes.push(`${s.path}: not fitted (${why}); its Ghost parts stay at random init`);
  for (const s of sites) {
    if (s.kind === 'conv') {
      const useBn = s.bn && fileParams.modules.get(s.bn)?.op === 'BatchNormalization';
      const t = value(useBn ? s.bn! : s.path);
      if (!t) { skipSite(s, `${useBn ? s.bn : s.path} has no output of known shape in the ONNX file`); continue; }
      if (t.shape.length !== 4 || t.shape[1] !== s.oup) { skipSite(s, `its output in the file is ${t.shape.join('×')}, not N×${s.oup}×H×W`); continue; }
      const k = s.dw * s.dw, gh = s.ratio - 1;
      const { groups, pixels } = sb.patches({ value: t.value, shape: [t.shape[0] * batchScale, ...t.shape.slice(1)], elemType: t.elemType, intrinsic: s.intrinsic, ratio: s.ratio, dw: s.dw, relu: s.relu, order: s.order });
      const mk = () => Array.from({ length: s.intrinsic }, () => emptySums(k, gh));
      convPlans.push({ site: s, pixels, groups, fit: mk(), test: mk() });
    } else {
      const x = value(s.blocks[0]), y = value(s.blocks[s.blocks.length - 2]);
      if (!x || !y) { skipSite(s, `the output of ${!x ? s.blocks[0] : s.blocks[s.blocks.length - 2]} is not in the ONNX file`); continue; }
      if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i]) || x.shape[1] !== s.channels) {
        skipSite(s, `the first block's output ${x.shape.join('×')} and the last middle block's ${y.shape.join('×')} differ`); continue;
      }
      const ch = Array.from({ length: s.channels - s.raw }, (_, i) => s.raw + i);
      const xv = { ...x, channels: ch }, yv = { ...y, channels: ch };
      const c = ch.length;
      stagePlans.push({ site: s, pixels: (numel(x.shape) / s.channels) * batchScale, names: sb.stageSums(xv, yv), fit: emptySums(c, c), test: emptySums(c, c) });
    }
  }
  let origBytes: Uint8Array | null = sb.finish().bytes;
  // The held-out comparison runs the original without the statistics (a session of its own, made
  // after the statistics' one is gone), with the sites' outputs exposed.
  const siteValues = sites.map((s) => [s.path, s.kind === 'conv' ? s.outputOf.map(value).find((v) => v) : value(s.path)] as const);

  // No memory arena or pattern: a session's memory is what one run holds, given back after it.
  // The statistics graph runs at 'basic' optimisation: 'all' (NCHWc layouts) took twice the
  // memory and 30% more time on resnet18 (8×3×224×224: 903 vs 486 MiB, 3.9 vs 2.9 s a batch).
  const session = (b: Uint8Array, level: 'basic' | 'all' = 'all') => ort.InferenceSession.create(b, {
    executionProviders: ['cpu'], graphOptimizationLevel: level, enableCpuMemArena: false, enableMemPattern: false, ...(o.threads > 0 ? { intraOpNumThreads: o.threads } : {}),
  }).catch((e: Error) => { throw new Error(`onnxruntime cannot load the model: ${e.message}`); });
  const mark = { prepare: (performance.now() - t0) / 1000, statistics: 0, fit: 0, compare: 0, baselines: 0, write: 0 };
  let tp = performance.now();
  const lap = () => { const t = performance.now(); const d = (t - tp) / 1000; tp = t; return d; };
  send({ type: 'progress', message: 'loading the model' });
  let orig = await session(origBytes, 'basic');
  // eslint-disable-next-line no-useless-assignment -- drops the only reference to the model's bytes so they can be collected while the batches run
  origBytes = null;
  const inputShape = [B, ...fileShape.slice(1)];
  const per = numel(fileShape.slice(1));
  const input = new Float32Array(B * per);
  const batches = function* () {
    const noise = o.images ? null : new Gaussian(o.seed);
    for (let r = 0; r < runs; r++) {
      const test = isTestRun(r, runs);
      yield { r, test, fill: () => {
        if (noise) noise.fill(input);
        else {
          const [C, H, W] = fileShape.slice(1);
          for (let i = 0; i < B; i++) toTensor(decodeImage(files[r * B + i]), C, H, W, o.mean, o.std, input, i * per);
        }
      } };
    }
  };
  const feed = (name = inp.name) => ({ [name]: new ort.Tensor('float32', input, inputShape) });

  if (!convPlans.length && !stagePlans.length) bad(`no rewritten site could be measured in ${basename(job.onnxPath)}: ${notes.filter((n) => /not fitted/.test(n)).slice(0, 2).join('; ')}`);
  // Pass 1: the sums, fit and held-out batches apart.
  const fetch1 = [...convPlans.flatMap((p) => p.groups.flatMap((q) => [q.gram, q.patchSum, q.cross, q.targetSum, q.targetSq])), ...stagePlans.flatMap((p) => Object.values(p.names))];
  let fitRuns = 0, testRuns = 0;
  for (const b of batches()) {
    b.fill();
    const res = await orig.run(feed(), fetch1);
    const d = (n: string) => res[n].data as Float32Array;
    for (const p of convPlans) addPatchSums(b.test ? p.test : p.fit, p, d);
    for (const p of stagePlans) {
      const n = p.names;
      addCentred(b.test ? p.test : p.fit, p.pixels, d(n.xSum), d(n.ySum), d(n.xx), d(n.xy), d(n.yy));
    }
    for (const k of Object.keys(res)) res[k].dispose?.();
    if (b.test) testRuns++; else fitRuns++;
    send({ type: 'progress', message: `statistics: batch ${b.r + 1} of ${runs}`, fraction: (b.r + 1) / runs / 2 });
  }

  await orig.release();

  // ── 4. fits and weights ──
  mark.statistics = lap();
  send({ type: 'progress', message: 'fitting the Ghost parts' });
  const fits: SiteFits = { conv: new Map(), stage: new Map() };
  const results = new Map<string, SiteResult>();
  for (const p of convPlans) {
    const s = p.site, k = s.dw * s.dw, gh = s.ratio - 1, used = s.oup - s.intrinsic;
    const w = new Float32Array(s.intrinsic * gh * k), bias = new Float32Array(s.intrinsic * gh);
    let err = 0, energy = 0;
    for (let i = 0; i < s.intrinsic; i++) {
      const f = solveLsq(p.fit[i], o.ridge);
      for (let j = 0; j < gh; j++) {
        const gi = i * gh + j;
        if (gi >= used) continue;
        for (let q = 0; q < k; q++) w[gi * k + q] = f.w[q * gh + j];
        bias[gi] = f.b[j];
      }
      // Only the ghosts the module keeps count (the padded ones are zero maps).
      const keep = Math.max(0, Math.min(gh, used - i * gh));
      if (keep) {
        const e = lsqError(sub(f, gh, keep), subSums(p.test[i], gh, keep));
        err += e.err; energy += e.energy;
      }
    }
    fits.conv.set(s.path, { w, b: bias });
    results.set(s.path, {
      kind: 'conv', path: s.path, fitted: used, channels: s.oup, fitError: relOf({ err, energy }), modelError: null,
      init: s.order
        ? `primary conv: ${s.intrinsic} of the original's filters${s.bn ? ' with their BatchNorm' : ''}, chosen and paired with the others by filter |cosine|; channels reordered and what reads them (${s.consumers!.convWeights.length} conv${s.consumers!.convWeights.length === 1 ? '' : 's'}${s.consumers!.channelParams.length ? `, ${s.consumers!.channelParams.length / 4} BatchNorm` : ''}) permuted to match; cheap ${s.dw}×${s.dw} depthwise conv fitted to the other ${used} channels`
        : `primary conv: the original's first ${s.intrinsic} filters${s.bn ? ' with their BatchNorm' : ''} (the output reaches more than convs, so its channel order stays); cheap ${s.dw}×${s.dw} depthwise conv fitted to the other ${used} channels`,
    });
  }
  for (const p of stagePlans) {
    const s = p.site;
    const f = solveLsq(p.fit, o.ridge);
    fits.stage.set(s.path, f);
    results.set(s.path, {
      kind: 'stage', path: s.path, fitted: s.channels - s.raw, channels: s.channels, fitError: relOf(lsqError(f, p.test)), modelError: null,
      init: `first/last blocks copied; ${s.blocks.length - 2} middle block${s.blocks.length > 3 ? 's' : ''} sliced to ${s.raw} channels; ghost 1×1 fitted to ${s.blocks[s.blocks.length - 2]}'s last ${s.channels - s.raw} channels from ${s.blocks[0]}'s; mix adds zero (last BatchNorm scale 0)`,
    });
  }
  for (const s of sites) if (!results.has(s.path)) results.set(s.path, { kind: s.kind, path: s.path, init: 'Ghost parts at random init (not fitted)', fitted: 0, channels: s.kind === 'conv' ? s.oup : s.channels, fitError: null, modelError: null });

  const stateKeys = stateDict(atEval.live.instances.get('') ?? null);
  const keySet = new Set(stateKeys.map((k) => k.tensorName));
  const filled = fillWeights(rwImp, fileParams, sites, fits, keySet, true);
  if (filled.missing.length) notes.push(`${filled.missing.length} tensor${filled.missing.length > 1 ? 's' : ''} of the rewritten model found no source in the file and stay at random init: ${filled.missing.slice(0, 5).join(', ')}${filled.missing.length > 5 ? ', …' : ''}`);

  // ── 5. held-out comparison ──
  mark.fit = lap();
  send({ type: 'progress', message: 'comparing on held-out data' });
  const variants: { key: 'fitted' | 'ghostRandom' | 'allRandom'; values: Map<string, Float32Array> }[] = [{ key: 'fitted', values: filled.values }];
  if (o.baselines) {
    variants.push({ key: 'ghostRandom', values: fillWeights(rwImp, fileParams, sites, fits, keySet, false).values });
    variants.push({ key: 'allRandom', values: new Map() });
  }
  const eb = new GhostStatsBuilder(decodeModel(bytes));
  for (const [path, v] of siteValues) {
    const order = sites.find((x) => x.path === path && x.kind === 'conv') as ConvSite | undefined;
    // A reordered site is compared channel for channel: the original's output in the same order.
    if (v) siteOut.set(path, { orig: eb.expose(order?.order ? eb.gather(v.value, order.order) : v.value, v.shape), ghost: null });
  }
  const outName = eb.expose(out0.name!, (valueInfoShape(out0).dims ?? []).map((d) => (typeof d === 'number' ? d : -1)));
  // The ghostified model at the calibration batch, with the sites' outputs exposed.
  const gb = new GhostStatsBuilder(decodeModel(atEval.ex.bytes));
  for (const s of sites) {
    const v = rwImp.values.get(s.path)?.output;
    const f = v ? rwImp.facts.get(v) : undefined;
    const so = siteOut.get(s.path);
    if (v && f?.shape && so) so.ghost = gb.expose(v, f.shape);
  }
  const gOut = rwImp.model.graph!.output![0];
  const gOutName = gb.expose(gOut.name!, (valueInfoShape(gOut).dims ?? []).map((d) => (typeof d === 'number' ? d : -1)));
  const ghostModel = decodeModel(gb.finish().bytes);
  orig = await session(eb.finish().bytes);
  const sessions: Ort.InferenceSession[] = [];
  let extra = 0;
  for (const v of variants) { const t = performance.now(); sessions.push(await session(withValues(ghostModel, v.values))); if (v.key !== 'fitted') extra += performance.now() - t; }
  const agree = variants.map(() => ({ diff: 0, ref: 0, same: 0, total: 0, classifier: true }));
  const classes = new Set<number>();
  const siteAcc = new Map<string, { diff: number; ref: number }>([...siteOut.keys()].map((k) => [k, { diff: 0, ref: 0 }]));
  let done = 0;
  for (const b of batches()) {
    b.fill();
    if (!b.test) continue;
    const siteNames = [...siteOut.values()];
    const ro = await orig.run(feed(), [outName, ...siteNames.map((s) => s.orig)]);
    const y0 = ro[outName].data as Float32Array;
    const dims = ro[outName].dims;
    for (let v = 0; v < variants.length; v++) {
      const fetch = [gOutName, ...(v === 0 ? siteNames.filter((s) => s.ghost).map((s) => s.ghost!) : [])];
      const tv = performance.now();
      const rg = await sessions[v].run(feed(rwImp.inputs[0].name), fetch);
      if (v > 0) extra += performance.now() - tv;
      const y = rg[gOutName].data as Float32Array;
      const a = agree[v];
      if (y.length !== y0.length) throw new Error(`the ghostified model's output has ${y.length} values, the original's ${y0.length}`);
      for (let i = 0; i < y.length; i++) { const e = y[i] - y0[i]; a.diff += e * e; a.ref += y0[i] * y0[i]; }
      if (dims.length === 2 && dims[1] > 1) {
        const K = Number(dims[1]);
        for (let n = 0; n < Number(dims[0]); n++) { a.total++; const c0 = argmax(y0, n * K, K); classes.add(c0); if (argmax(y, n * K, K) === c0) a.same++; }
      } else a.classifier = false;
      if (v === 0) {
        for (const [path, so] of siteOut) {
          if (!so.ghost) continue;
          const x = rg[so.ghost].data as Float32Array, x0 = ro[so.orig].data as Float32Array;
          if (x.length !== x0.length) continue;
          const acc = siteAcc.get(path)!;
          for (let i = 0; i < x.length; i++) { const e = x[i] - x0[i]; acc.diff += e * e; acc.ref += x0[i] * x0[i]; }
        }
      }
      for (const k of Object.keys(rg)) rg[k].dispose?.();
    }
    for (const k of Object.keys(ro)) ro[k].dispose?.();
    done++;
    send({ type: 'progress', message: `held-out batch ${done} of ${testRuns}`, fraction: 0.5 + done / testRuns / 2 });
  }
  await orig.release();
  for (const s of sessions) await s.release();
  for (const [path, acc] of siteAcc) { const r = results.get(path)!; r.modelError = acc.ref > 0 ? Math.sqrt(acc.diff / acc.ref) : null; }
  const agreement = (i: number): OutputAgreement => ({
    relError: agree[i].ref > 0 ? Math.sqrt(agree[i].diff / agree[i].ref) : 0,
    top1: agree[i].classifier && agree[i].total ? agree[i].same / agree[i].total : null,
  });

  // ── 6. the files ──
  mark.compare = lap() - extra / 1000;
  mark.baselines = extra / 1000;
  send({ type: 'progress', message: 'writing the ghostified model' });
  const userModel = atUser === atEval ? rwImp.model : decodeModel(atUser.ex.bytes);
  writeFileSync(job.outOnnx, withValues(userModel, filled.values));
  let weightsPath: string | null = null;
  if (job.outWeights) {
    const { tensors, absent } = stateTensors(stateKeys, filled, rwImp.model);
    if (absent.length) notes.push(`state_dict tensors the forward never reads, written as zeros: ${absent.slice(0, 5).join(', ')}${absent.length > 5 ? ', …' : ''}`);
    writeFileSync(job.outWeights, encodeSafetensors(tensors, { format: 'pt', producer: 'ghostlens ghostify', source: basename(job.onnxPath) }));
    weightsPath = job.outWeights;
  }
  const count = (r: string) => [...filled.rules.values()].filter((x) => x === r).length;
  const peak = process.resourceUsage().maxRSS * 1024;
  if (!o.images) notes.unshift(`random inputs (standard normal, seed ${o.seed}): the figures show how the weights treat noise, not trained behaviour on data`);
  notes.push(`fits: ridge least squares (λ = ${o.ridge} × the mean feature variance) on ${fitRuns} batches; errors on ${testRuns} held-out batches`);
  notes.push('each site is fitted on the original model\'s own activations; in the ghostified model the errors of earlier sites reach the later ones (the model errors show that)');
  return {
    model: basename(job.onnxPath), source: job.sourcePath,
    rewrite: { text: rw.text, edits: rw.edits, applied: rw.applied, skipped: rw.skipped, before: { params: rw.before.params, macs: rw.before.macs }, after: { params: after.params, macs: after.macs } },
    calibration: { kind: o.images ? 'images' : 'random', source: o.images ?? `random (${runs * B} samples)`, samples: runs * B, fit: fitRuns * B, test: testRuns * B },
    sites: sites.map((s) => results.get(s.path)!),
    output: agreement(0),
    heldOutClasses: agree[0].classifier && agree[0].total ? classes.size : null,
    ...(o.baselines ? { baselines: { ghostRandom: agreement(1), allRandom: agreement(2) } } : {}),
    tensors: { copied: count('copied'), sliced: count('sliced'), fitted: count('fitted'), set: count('set'), random: [...filled.rules].filter(([, r]) => r === 'random').map(([n]) => n) },
    onnxPath: job.outOnnx, weightsPath, seconds: (performance.now() - t0) / 1000, timings: { ...mark, write: lap() }, peakRssBytes: peak, notes,
  };
}

/**
 * Adds one batch's sums to a problem: Σx, Σy, and second moments centred on the batch's mean, to
 * which n·x̄x̄ᵀ (n·x̄ȳᵀ, n·ȳ²) is added back here, in float64.
 */
function addCentred(q: LsqSums, n: number, sx: ArrayLike<number>, sy: ArrayLike<number>, xx: ArrayLike<number>, xy: ArrayLike<number>, yy: ArrayLike<number>, at = { x: 0, y: 0 }): void {
  const p = q.sx.length, k = q.sy.length;
  q.n += n;
  for (let i = 0; i < p; i++) {
    const xi = sx[at.x + i];
    q.sx[i] += xi;
    for (let j = 0; j < p; j++) q.sxx[i * p + j] += xx[at.x * p + i * p + j] + (xi * sx[at.x + j]) / n;
    for (let j = 0; j < k; j++) q.sxy[i * k + j] += xy[at.x * k + i * k + j] + (xi * sy[at.y + j]) / n;
  }
  for (let j = 0; j < k; j++) { const yj = sy[at.y + j]; q.sy[j] += yj; q.syy[j] += yy[at.y + j] + (yj * yj) / n; }
}

/** Splits one batch's patch sums (m intrinsic channels) into the per-channel problems. */
function addPatchSums(into: LsqSums[], p: { site: ConvSite; pixels: number; groups: PatchGroup[] }, d: (n: string) => Float32Array): void {
  const s = p.site, k = s.dw * s.dw, gh = s.ratio - 1;
  for (const q of p.groups) {
    const gram = d(q.gram), ps = d(q.patchSum), cross = d(q.cross), ts = d(q.targetSum), tq = d(q.targetSq);
    for (let i = q.from; i < q.to; i++) {
      const c = i - q.from;
      addCentred(into[i], p.pixels, ps, ts, gram, cross, tq, { x: c * k, y: c * gh });
    }
  }
}

/** The first `keep` of q targets of a fit / of sums. */
function sub(f: { w: Float64Array; b: Float64Array }, q: number, keep: number) {
  const p = f.w.length / q;
  const w = new Float64Array(p * keep);
  for (let i = 0; i < p; i++) for (let j = 0; j < keep; j++) w[i * keep + j] = f.w[i * q + j];
  return { w, b: f.b.slice(0, keep) };
}
function subSums(s: LsqSums, q: number, keep: number): LsqSums {
  const p = s.sx.length;
  const sxy = new Float64Array(p * keep);
  for (let i = 0; i < p; i++) for (let j = 0; j < keep; j++) sxy[i * keep + j] = s.sxy[i * q + j];
  return { n: s.n, sx: s.sx, sxx: s.sxx, sxy, sy: s.sy.slice(0, keep), syy: s.syy.slice(0, keep) };
}

function argmax(x: Float32Array, from: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (x[from + i] > x[from + best]) best = i;
  return best;
}

interface StateKey { name: string; shape: number[]; dtype: string; tensorName: string }

/** state_dict() keys of the rewritten module: every module's parameters and buffers, in order. */
function stateDict(root: PyInstance | null): StateKey[] {
  if (!root) return [];
  const out: StateKey[] = [];
  const first = new Map<object, string>();
  for (const [p, m] of namedModules(root)) {
    for (const kind of ['params', 'buffers'] as const) {
      for (const [k, t] of m.module![kind]) {
        if (!t) continue;
        const name = p ? `${p}.${k}` : k;
        if (!first.has(t)) first.set(t, name);
        out.push({ name, shape: t.shape, dtype: t.dtype, tensorName: first.get(t)! });
      }
    }
  }
  return out;
}

function stateTensors(keys: StateKey[], filled: Filled, model: onnx.ModelProto): { tensors: SafeTensor[]; absent: string[] } {
  const inits = new Map((model.graph!.initializer ?? []).map((t) => [t.name ?? '', t]));
  const absent: string[] = [];
  const tensors = keys.map((k): SafeTensor => {
    const n = numel(k.shape);
    if (k.dtype === 'int64') return { name: k.name, dtype: 'I64', shape: k.shape, data: new BigInt64Array(n) };
    const v = filled.values.get(k.tensorName) ?? (inits.get(k.tensorName) ? floatData(inits.get(k.tensorName)!) : null);
    if (!v || v.length !== n) { absent.push(k.name); return { name: k.name, dtype: 'F32', shape: k.shape, data: new Float32Array(n) }; }
    return { name: k.name, dtype: 'F32', shape: k.shape, data: v };
  });
  return { tensors, absent };
}
