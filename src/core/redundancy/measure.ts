// Measured redundancy of an ONNX model with trained weights: import it (module paths from node
// names), plan what to measure (plan.ts), add the statistics to the model (surgery.ts), stream the
// calibration data through it in a child process (runner.ts → child.ts) and return the figures.
// What the CLI and the editor call; no vscode here.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import type { ModelGraph } from '../graph/model';
import { importOnnx, OnnxImportError } from '../onnx/import';
import { onnx, isExternal, valueInfoShape } from '../onnx/proto';
import { makePlan, DEFAULT_PLAN } from './plan';
import { StatsBuilder, ViewSpec } from './surgery';
import { listImages, CalibrationError, IMAGENET_MEAN, IMAGENET_STD } from './calibration';
import { runChild, RedundancyError, RunnerOptions } from './runner';
import type { JobLayer, JobStage, RedundancyJob } from './job';
import type { RedundancyResult } from './types';

export { RedundancyError };

export interface RedundancyOptions {
  /** A folder of PNG/JPEG images (class subfolders allowed). */
  images?: string;
  /** Random inputs instead of images: this many samples (labelled as random in the result). */
  random?: number;
  /** At most this many images are used (spread over the folder). */
  limit: number;
  mean: number[];
  std: number[];
  /** |cos| at which two channels count as near-duplicates. */
  threshold: number;
  /** C-Ghost ratio s: channels are rebuilt from ceil(C/s) of them. */
  ratio: number;
  bins: number;
  /** Ridge strength, relative to the mean variance of the first block's channels. */
  ridge: number;
  /** Target channels measured per block at most (evenly spread). */
  maxTargets: number;
  /** Samples per run when the model's batch dimension is symbolic. */
  batch: number;
  seed: number;
  threads: number;
  /** Shapes of the model's inputs when the file leaves dimensions symbolic. */
  input?: number[][];
  /** The source's analysis: results use its stage and conv paths. */
  source?: ModelGraph | null;
}

/**
 * |cos| ≥ 0.9: one channel, scaled, leaves at most 1 − 0.9² = 19% of the other's energy — most
 * of the map is a copy. Ridge 1e-3: small against the channels' variance (an exact linear
 * relation still fits to ~0), large enough to keep a rank-deficient covariance solvable.
 */
export const DEFAULT_REDUNDANCY: RedundancyOptions = {
  limit: 64, mean: IMAGENET_MEAN, std: IMAGENET_STD, threshold: 0.9, ratio: 2, bins: 20, ridge: 1e-3,
  maxTargets: DEFAULT_PLAN.maxTargets, batch: 8, seed: 0, threads: 0,
};

const bad = (msg: string): never => { throw new RedundancyError('input', msg); };

export async function measureRedundancy(onnxPath: string, partial: Partial<RedundancyOptions>, r: RunnerOptions = {}): Promise<RedundancyResult> {
  const o: RedundancyOptions = { ...DEFAULT_REDUNDANCY, ...partial };
  check(o);
  let bytes: Uint8Array;
  try { bytes = readFileSync(onnxPath); } catch { return bad(`cannot read ${onnxPath}`); }
  let imp;
  try { imp = importOnnx(bytes, onnxPath, { input: o.input }); } catch (e) {
    if (e instanceof OnnxImportError) bad(`${basename(onnxPath)}: ${e.message}`);
    throw e;
  }
  if ((imp.model.graph!.initializer ?? []).some(isExternal)) bad('models whose weights are stored in external data files are not supported yet');
  if (imp.inputs.length !== 1) bad(`the model has ${imp.inputs.length} inputs; measuring redundancy feeds exactly one`);
  const inp = imp.inputs[0];
  if (inp.elemType !== onnx.TensorProto.DataType.FLOAT) bad(`the model's input ${inp.name} is not float32`);
  if (!inp.shape) bad(`the input ${inp.name} has symbolic dimensions: give its shape (--input)`);
  const shape = inp.shape!;
  if (o.images && (shape.length !== 4 || (shape[1] !== 1 && shape[1] !== 3))) bad(`images need an input of N×3×H×W (or N×1×H×W); the model's is ${shape.join('×')}`);

  // Samples per run: the file's batch when fixed, else the option (small enough for ≥ 4 runs).
  const dims0 = valueInfoShape(imp.model.graph!.input!.find((v) => v.name === inp.name)!).dims?.[0];
  const fixed = typeof dims0 === 'number';
  let files: string[] = [];
  if (o.images) {
    try { files = listImages(o.images, o.limit); } catch (e) { if (e instanceof CalibrationError) bad(e.message); throw e; }
  }
  const samples = o.images ? files.length : o.random!;
  const B = fixed ? shape[0] : Math.max(1, Math.min(o.batch, Math.floor(samples / 4)));
  const runs = Math.floor(samples / B);
  if (runs < 2) bad(`${samples} sample${samples === 1 ? '' : 's'} make${samples === 1 ? 's' : ''} fewer than 2 batches of ${B} (the model's batch): nothing is left to test the fit on`);
  const notes: string[] = [];
  if (runs * B < samples) notes.push(`${samples - runs * B} of ${samples} samples left out: the model's batch is fixed at ${B}`);

  const plan = makePlan(imp, o.source ?? null, { ...DEFAULT_PLAN, maxTargets: o.maxTargets });
  notes.push(...plan.notes);
  if (!plan.stages.length && !plan.layers.length) bad(`nothing to measure in ${basename(onnxPath)}: no stage with two blocks and no conv found (${plan.notes[0] ?? 'check the node names'})`);

  const sb = new StatsBuilder(bytes);
  const view = (t: { value: string; shape: number[]; elemType: number }, channels?: number[] | null): ViewSpec =>
    ({ value: t.value, shape: t.shape, elemType: t.elemType, ...(channels ? { channels } : {}) });
  const stages: JobStage[] = plan.stages.map((s) => ({
    stage: s.stage, firstBlock: s.firstBlock,
    x: { channels: s.x.channels, pixels: s.x.pixels, stats: sb.moments(view(s.x), true) },
    blocks: s.blocks.map((b) => ({
      path: b.path, channels: b.y.channels, measured: b.subset?.length ?? b.y.channels, pixels: b.y.pixels,
      y: sb.moments(view(b.y, b.subset), false), xy: sb.cross(view(s.x), view(b.y, b.subset)),
    })),
  }));
  const layers: JobLayer[] = plan.layers.map((l) => ({ path: l.path, channels: l.t.channels, pixels: l.t.pixels, stats: sb.moments(view(l.t), true) }));
  const surgery = sb.finish();

  const dir = mkdtempSync(join(tmpdir(), 'ghostlens-redundancy-'));
  try {
    const modelPath = join(dir, 'model.onnx');
    writeFileSync(modelPath, surgery.bytes);
    const job: RedundancyJob = {
      type: 'job', modelPath, input: { name: inp.name, shape: [B, ...shape.slice(1)] }, batchScale: B / shape[0], runs,
      data: o.images ? { kind: 'images', files: files.slice(0, runs * B), mean: o.mean, std: o.std } : { kind: 'random', seed: o.seed },
      stages, layers, threshold: o.threshold, ratio: o.ratio, bins: o.bins, ridge: o.ridge, threads: o.threads,
    };
    const res = await runChild(job, r);
    const used = runs * B;
    if (!o.images) notes.unshift(`random inputs (standard normal, seed ${o.seed}): the figures show how the weights treat noise, not trained behaviour on data`);
    if (stages.length) notes.push(`stage fits: ridge least squares (λ = ${o.ridge} × the mean variance of the first block's channels), fitted on ${res.fitRuns} batches, measured on ${res.testRuns} held-out batches`);
    notes.push(...res.notes);
    notes.push(`peak memory of the measuring process: ${(res.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
    return {
      model: basename(onnxPath),
      calibration: {
        kind: o.images ? 'images' : 'random',
        source: o.images ? o.images : `random (${used} samples)`,
        samples: used, fit: res.fitRuns * B, test: res.testRuns * B,
      },
      provider: res.provider,
      stages: res.stages,
      layers: res.layers,
      peakRssBytes: res.peakRssBytes,
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function check(o: RedundancyOptions): void {
  if ((o.images === undefined) === (o.random === undefined)) bad('give calibration data: an images folder or a number of random samples (not both)');
  if (o.random !== undefined && (!Number.isInteger(o.random) || o.random < 2)) bad('the number of random samples must be an integer ≥ 2');
  if (!(o.threshold > 0 && o.threshold <= 1)) bad('the near-duplicate threshold must be in (0, 1]');
  if (!Number.isInteger(o.ratio) || o.ratio < 2) bad('the ghost ratio must be an integer ≥ 2');
  if (!(o.ridge > 0)) bad('the ridge strength must be positive');
  if (!Number.isInteger(o.limit) || o.limit < 2) bad('the image limit must be an integer ≥ 2');
  if (!Number.isInteger(o.maxTargets) || o.maxTargets < 1) bad('maxTargets must be a positive integer');
  if (!Number.isInteger(o.batch) || o.batch < 1) bad('the batch must be a positive integer');
  if (o.mean.length !== 3 || o.std.length !== 3 || o.std.some((s) => !(s > 0)) || o.mean.some((m) => !Number.isFinite(m))) bad('normalisation needs 3 means and 3 positive standard deviations');
}
