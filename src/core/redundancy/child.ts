// The measuring child's work (src/redundancyWorker.ts runs it): load the model with its
// statistics outputs in onnxruntime, stream the calibration batches through it, add each batch's
// sums into float64 accumulators, then compute the figures (stats.ts). Memory: the model, one
// batch, and C×C-sized sums — never the activations of more than one batch.
import type * as Ort from 'onnxruntime-node';
import { Moments, CrossMoments, fitStage, layerFigures } from './stats';
import { decodeImage, toTensor, Gaussian } from './calibration';
import { isTestRun, ChildMessage, ChildResult, RedundancyJob } from './job';
import type { LayerRedundancy, StageRedundancy } from './types';

export class JobFailure extends Error {}

export async function runRedundancyJob(job: RedundancyJob, send: (m: ChildMessage) => void, ort: typeof Ort): Promise<ChildResult> {
  const notes: string[] = [];
  send({ type: 'progress', message: 'loading the model' });
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(job.modelPath, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', ...(job.threads > 0 ? { intraOpNumThreads: job.threads } : {}),
    });
  } catch (e) {
    throw new JobFailure(`onnxruntime cannot load the model: ${(e as Error).message}`);
  }
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
      const d = job.data as Extract<RedundancyJob['data'], { kind: 'images' }>;
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
  await session.release();

  send({ type: 'progress', message: 'computing the figures' });
  send({ type: 'progress', message: `channel similarities of ${job.layers.length} convs` });
  const thin: string[] = [];
  const layers: LayerRedundancy[] = job.layers.map((l, i) => {
    const f = layerFigures(layerAcc[i], job.threshold, job.ratio, job.bins);
    if (layerAcc[i].n < 4 * l.channels) thin.push(l.path);
    if (f.dead) notes.push(`${l.path}: ${f.dead} of ${l.channels} channels are constant on every sample (left out of the similarities)`);
    return {
      path: l.path, channels: l.channels, cosineHistogram: f.cosineHistogram, meanAbsCosine: f.meanAbsCosine,
      nearDuplicateShare: f.nearDuplicateShare, threshold: job.threshold, ghostReconError: f.ghostReconError, ratio: job.ratio,
    };
  });
  if (thin.length) {
    notes.push(`${thin.length === 1 ? thin[0] : `${thin.length} convs (${thin[0]} … ${thin[thin.length - 1]})`}: fewer than 4 pixel samples per channel — with so few samples channels look alike by chance (similarities inflated); use more samples`);
  }
  const stages: StageRedundancy[] = job.stages.map((s, i) => {
    const acc = stageAcc[i];
    send({ type: 'progress', message: `fitting stage ${s.stage} (${s.blocks.length} block${s.blocks.length === 1 ? '' : 's'} from ${s.x.channels} channels)`, fraction: i / job.stages.length });
    const fits = fitStage(acc.fitX, acc.blocks.map((b) => b.fit), acc.testX, acc.blocks.map((b) => b.test), job.ridge);
    if (acc.fitX.n < 10 * s.x.channels) {
      notes.push(`${s.stage}: fitted on ${acc.fitX.n} pixel samples for ${s.x.channels} input channels — too few for a reliable fit (the error is inflated); use more samples`);
    }
    return {
      stage: s.stage, firstBlock: s.firstBlock,
      blocks: s.blocks.map((b, k) => ({ path: b.path, relError: fits[k].relError, channels: b.channels })),
    };
  });
  const rss = process.resourceUsage().maxRSS * 1024;
  return { stages, layers, notes, peakRssBytes: rss, fitRuns, testRuns, provider: 'cpu' };
}
