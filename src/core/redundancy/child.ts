// The measuring child's work (src/redundancyWorker.ts runs it): prepare the model (prepare.ts),
// load it with its statistics outputs in onnxruntime, stream the calibration batches through it,
// add each batch's sums into float64 accumulators, then compute the figures (stats.ts). Memory:
// the model, one batch, and C×C-sized sums — never the activations of more than one batch.
import type * as Ort from 'onnxruntime-node';
import { basename } from 'node:path';
import { Moments, CrossMoments, fitStage, layerFigures } from './stats';
import { decodeImage, toTensor, Gaussian, CalibrationError } from './calibration';
import { prepare, InputError, Prepared } from './prepare';
import { isTestRun, ChildMessage, RedundancyJob } from './job';
import type { LayerRedundancy, RedundancyResult, StageRedundancy } from './types';

/** The user's model or data cannot be used (told as such, not as a failure of ours). */
export const isInputError = (e: unknown): boolean => e instanceof InputError || e instanceof CalibrationError;

export async function runRedundancyJob(job: RedundancyJob, send: (m: ChildMessage) => void, ort: typeof Ort): Promise<RedundancyResult> {
  const o = job.options;
  send({ type: 'progress', message: 'reading the model' });
  const p = prepare(job.onnxPath, o);
  const notes = p.notes;
  send({ type: 'progress', message: 'loading the model' });
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(p.bytes, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', ...(o.threads > 0 ? { intraOpNumThreads: o.threads } : {}),
    });
  } catch (e) {
    throw new Error(`onnxruntime cannot load the model: ${(e as Error).message}`);
  }
  // onnxruntime holds its own copy of the model: let ours go before the batches run.
  (p as { bytes: Uint8Array | null }).bytes = null;
  const { fitRuns, testRuns, stageAcc, layerAcc } = await stream(session, p, ort, send);
  await session.release();
  const { stages, layers } = figures(p, o, stageAcc, layerAcc, notes, send);
  const B = p.samplesPerRun, used = p.runs * B;
  const peak = process.resourceUsage().maxRSS * 1024;
  if (!o.images) notes.unshift(`random inputs (standard normal, seed ${o.seed}): the figures show how the weights treat noise, not trained behaviour on data`);
  if (stages.length) notes.push(`stage fits: ridge least squares (λ = ${o.ridge} × the mean variance of the first block's channels), fitted on ${fitRuns} batches, measured on ${testRuns} held-out batches`);
  notes.push(`peak memory of the measuring process: ${(peak / 2 ** 20).toFixed(0)} MiB`);
  return {
    model: basename(job.onnxPath),
    calibration: { kind: o.images ? 'images' : 'random', source: o.images ?? `random (${used} samples)`, samples: used, fit: fitRuns * B, test: testRuns * B },
    provider: 'cpu', stages, layers, peakRssBytes: peak, notes,
  };
}

type StageAcc = { fitX: Moments; testX: Moments; blocks: { fit: { y: Moments; xy: CrossMoments }; test: { y: Moments; xy: CrossMoments } }[] };

async function stream(session: Ort.InferenceSession, job: Prepared, ort: typeof Ort, send: (m: ChildMessage) => void) {
  const scale = job.batchScale;
  const stageAcc = job.stages.map((s) => ({
    fitX: new Moments(s.x.channels, true), testX: new Moments(s.x.channels, true),
    blocks: s.blocks.map((b) => ({
      fit: { y: new Moments(b.measured, false), xy: new CrossMoments(s.x.channels, b.measured) },
      test: { y: new Moments(b.measured, false), xy: new CrossMoments(s.x.channels, b.measured) },
    })),
  }));
  const layerAcc = job.layers.map((l) => new Moments(l.channels, true));
  const layerFetch = job.layers.flatMap((l) => [l.stats.sum, l.stats.second]);
  const stageFetch = job.stages.flatMap((s) => [s.x.stats.sum, s.x.stats.second, ...s.blocks.flatMap((b) => [b.y.sum, b.y.second, b.xy])]);
  const [B, ...sample] = job.input.shape;
  const per = sample.reduce((p, d) => p * d, 1);
  const input = new Float32Array(B * per);
  const noise = job.data.kind === 'random' ? new Gaussian(job.data.seed) : null;
  let fitRuns = 0, testRuns = 0;
  for (let r = 0; r < job.runs; r++) {
    if (noise) noise.fill(input);
    else {
      const d = job.data as Extract<Prepared['data'], { kind: 'images' }>;
      const [C, H, W] = sample;
      for (let i = 0; i < B; i++) toTensor(decodeImage(d.files[r * B + i]), C, H, W, d.mean, d.std, input, i * per);
    }
    const test = isTestRun(r, job.runs);
    const out = await session.run({ [job.input.name]: new ort.Tensor('float32', input, job.input.shape) }, [...layerFetch, ...stageFetch]);
    const data = (name: string) => out[name].data as Float32Array;
    job.layers.forEach((l, i) => layerAcc[i].add(l.pixels * scale, data(l.stats.sum), data(l.stats.second)));
    job.stages.forEach((s, i) => {
      const acc = stageAcc[i];
      (test ? acc.testX : acc.fitX).add(s.x.pixels * scale, data(s.x.stats.sum), data(s.x.stats.second));
      s.blocks.forEach((b, k) => {
        const t = test ? acc.blocks[k].test : acc.blocks[k].fit;
        t.y.add(b.pixels * scale, data(b.y.sum), data(b.y.second));
        t.xy.add(data(b.xy));
      });
    });
    for (const k of Object.keys(out)) out[k].dispose?.();
    if (test) testRuns++; else fitRuns++;
    send({ type: 'progress', message: `batch ${r + 1} of ${job.runs}`, fraction: (r + 1) / job.runs });
  }
  return { fitRuns, testRuns, stageAcc: stageAcc as StageAcc[], layerAcc };
}

function figures(job: Prepared, o: RedundancyJob['options'], stageAcc: StageAcc[], layerAcc: Moments[], notes: string[], send: (m: ChildMessage) => void) {
  send({ type: 'progress', message: `channel similarities of ${job.layers.length} convs` });
  const thin: string[] = [];
  const layers: LayerRedundancy[] = job.layers.map((l, i) => {
    const f = layerFigures(layerAcc[i], o.threshold, o.ratio, o.bins);
    if (layerAcc[i].n < 4 * l.channels) thin.push(l.path);
    if (f.dead) notes.push(`${l.path}: ${f.dead} of ${l.channels} channels are constant on every sample (left out of the similarities)`);
    return {
      path: l.path, channels: l.channels, cosineHistogram: f.cosineHistogram, meanAbsCosine: f.meanAbsCosine,
      nearDuplicateShare: f.nearDuplicateShare, threshold: o.threshold, ghostReconError: f.ghostReconError, ratio: o.ratio,
    };
  });
  if (thin.length) {
    notes.push(`${thin.length === 1 ? thin[0] : `${thin.length} convs (${thin[0]} … ${thin[thin.length - 1]})`}: fewer than 4 pixel samples per channel — with so few samples channels look alike by chance (similarities inflated); use more samples`);
  }
  const stages: StageRedundancy[] = job.stages.map((s, i) => {
    const acc = stageAcc[i];
    send({ type: 'progress', message: `fitting stage ${s.stage} (${s.blocks.length} block${s.blocks.length === 1 ? '' : 's'} from ${s.x.channels} channels)` });
    const fits = fitStage(acc.fitX, acc.blocks.map((b) => b.fit), acc.testX, acc.blocks.map((b) => b.test), o.ridge);
    if (acc.fitX.n < 10 * s.x.channels) {
      notes.push(`${s.stage}: fitted on ${acc.fitX.n} pixel samples for ${s.x.channels} input channels — too few for a reliable fit (the error is inflated); use more samples`);
    }
    return {
      stage: s.stage, firstBlock: s.firstBlock,
      blocks: s.blocks.map((b, k) => ({ path: b.path, relError: fits[k].relError, channels: b.channels })),
    };
  });
  return { stages, layers };
}
