// The child's first step: read and import the model, check that it can be fed, choose the
// batches, plan what to measure and add the statistics to the model. Runs in the child process
// (a large model's decoding and surgery never block the editor).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { importOnnx, OnnxImportError } from '../onnx/import';
import { onnx, isExternal, valueInfoShape } from '../onnx/proto';
import { makePlan } from './plan';
import { StatsBuilder, ViewSpec } from './surgery';
import { listImages, CalibrationError } from './calibration';
import type { RedundancyOptions } from './options';
import type { CalibrationSource, JobLayer, JobStage } from './job';

/** The model or the calibration data cannot be used (the user's input, not a failure of ours). */
export class InputError extends Error {}
const bad = (msg: string): never => { throw new InputError(msg); };

export interface Prepared {
  /** The model with the statistics outputs. */
  bytes: Uint8Array;
  input: { name: string; /** Fed per run; its first dimension is the samples per run. */ shape: number[] };
  /** Samples per run ÷ the batch the plan's pixel counts were taken at. */
  batchScale: number;
  samplesPerRun: number;
  runs: number;
  data: CalibrationSource;
  stages: JobStage[];
  layers: JobLayer[];
  notes: string[];
}

export function prepare(onnxPath: string, o: RedundancyOptions): Prepared {
  let bytes: Uint8Array;
  try { bytes = readFileSync(onnxPath); } catch { return bad(`cannot read ${onnxPath}`); }
  let imp;
  try { imp = importOnnx(bytes, onnxPath, { input: o.input }); } catch (e) {
    if (e instanceof OnnxImportError) bad(`${basename(onnxPath)}: ${e.message}`);
    throw e;
  }
  const g = imp.model.graph!;
  if ((g.initializer ?? []).some(isExternal)) bad('models whose weights are stored in external data files are not supported yet');
  if (imp.inputs.length !== 1) bad(`the model has ${imp.inputs.length} inputs; measuring redundancy feeds exactly one`);
  const inp = imp.inputs[0];
  if (inp.elemType !== onnx.TensorProto.DataType.FLOAT) bad(`the model's input ${inp.name} is not float32`);
  if (!inp.shape) bad(`the input ${inp.name} has symbolic dimensions: give its shape`);
  const shape = inp.shape!;
  if (shape.some((d) => !(d >= 1))) bad(`the input ${inp.name} has shape ${shape.join('×')}: every dimension must be at least 1`);
  const inputBytes = 4 * shape.reduce((p, q) => p * q, 1);
  if (inputBytes > 2 ** 30) bad(`the input ${inp.name} of shape ${shape.join('×')} is ${(inputBytes / 2 ** 30).toFixed(1)} GB per batch; at most 1 GB is measured (give a smaller --input)`);
  if (o.images && (shape.length !== 4 || (shape[1] !== 1 && shape[1] !== 3))) bad(`images need an input of N×3×H×W (or N×1×H×W); the model's is ${shape.join('×')}`);

  // Samples per run: the file's batch when fixed, else the option (small enough for ≥ 4 runs).
  const dims0 = valueInfoShape((g.input ?? []).find((v) => v.name === inp.name)!).dims?.[0];
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

  const plan = makePlan(imp, o.source ?? null, { maxTargets: o.maxTargets, maxLayerChannels: o.maxLayerChannels });
  notes.push(...plan.notes);
  if (!plan.stages.length && !plan.layers.length) bad(`nothing to measure in ${basename(onnxPath)}: no stage of two or more blocks and no conv found (${plan.notes[0] ?? 'check the node names'})`);

  // The import's decoded model is not needed any more: the statistics are added to it in place.
  const sb = new StatsBuilder(imp.model);
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
  return {
    bytes: sb.finish().bytes,
    input: { name: inp.name, shape: [B, ...shape.slice(1)] }, batchScale: B / shape[0], samplesPerRun: B, runs,
    data: o.images ? { kind: 'images', files: files.slice(0, runs * B), mean: o.mean, std: o.std } : { kind: 'random', seed: o.seed },
    stages, layers, notes,
  };
}
