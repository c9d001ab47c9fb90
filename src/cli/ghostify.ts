// `ghostlens ghostify MODEL.onnx --source FILE ...`: the Ghost rewrite of a trained model, with
// weights: unchanged layers copied from MODEL.onnx, the Ghost parts fitted on calibration data
// (core/ghostify, in a child process), the agreement with the original on held-out samples.
import { writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { UsageError, parseCommand, intOption, ttyProgress } from './common';
import { defaultLibraryPaths } from './nodeHost';
import { ghostify, GhostifyError } from '../core/ghostify/runner';
import type { GhostifyOptions, GhostifyResult } from '../core/ghostify/types';
import type { RewriteTarget } from '../core/rewrite/rewrite';
import { renderGhostify } from '../core/ghostify/report';

export async function ghostifyCommand(args: string[]): Promise<number> {
  const { values: v, file, path } = parseCommand(args, {
    source: { type: 'string' }, model: { type: 'string' }, conv: { type: 'string', multiple: true }, stage: { type: 'string', multiple: true },
    all: { type: 'boolean' }, ratio: { type: 'string' }, lambda: { type: 'string' }, images: { type: 'string' }, random: { type: 'string' },
    limit: { type: 'string' }, output: { type: 'string', short: 'o' }, weights: { type: 'string' }, rewritten: { type: 'string' },
    mean: { type: 'string' }, std: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' },
    ridge: { type: 'string' }, baselines: { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' },
  }, 'ghostify needs a MODEL.onnx (exported with its trained weights)');
  if (!/\.onnx$/i.test(path)) throw new UsageError(`${file} is not a .onnx file (export the model with torch.onnx.export first)`);
  if (v.source === undefined) throw new UsageError('ghostify needs --source FILE (the .py file that defines the model)');
  if (!v.output) throw new UsageError('ghostify needs -o OUT.onnx');
  const targets: RewriteTarget[] = [...(v.stage ?? []).map((p) => ({ kind: 'stage' as const, path: p })), ...(v.conv ?? []).map((p) => ({ kind: 'conv' as const, path: p }))];
  if (!targets.length && !v.all) throw new UsageError('name what to rewrite: --conv PATH, --stage PATH or --all');
  if ((v.images === undefined) === (v.random === undefined)) throw new UsageError('give calibration data: --images DIR or --random N (one of them)');
  const ratio = intOption('ratio', v.ratio, 2);
  const lambda = v.lambda !== undefined ? Number(v.lambda) : undefined;
  if (lambda !== undefined && !(lambda > 0 && lambda < 1)) throw new UsageError('--lambda must be between 0 and 1');
  const ridge = v.ridge !== undefined ? Number(v.ridge) : undefined;
  if (ridge !== undefined && !(ridge > 0)) throw new UsageError('--ridge must be a positive number');
  const timeoutS = v.timeout === undefined ? 600 : Number(v.timeout);
  if (!(timeoutS > 0)) throw new UsageError('--timeout must be a positive number of seconds');
  const triple = (name: string, s: string | undefined): number[] | undefined => {
    if (s === undefined) return undefined;
    const xs = s.split(',').map(Number);
    if (xs.length !== 3 || xs.some((x) => !Number.isFinite(x))) throw new UsageError(`--${name} takes three numbers, e.g. 0.485,0.456,0.406`);
    return xs;
  };
  const options: Partial<GhostifyOptions> = Object.fromEntries(Object.entries({
    ...(v.images !== undefined ? { images: resolve(v.images) } : { random: intOption('random', v.random, 2) }),
    limit: intOption('limit', v.limit, 2), mean: triple('mean', v.mean), std: triple('std', v.std), batch: intOption('batch', v.batch, 1),
    seed: intOption('seed', v.seed, 0), threads: intOption('threads', v.threads, 0), ridge, baselines: v.baselines,
  }).filter(([, x]) => x !== undefined));

  const progress = process.stderr.isTTY && !v.json ? ttyProgress() : undefined;
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  let result: GhostifyResult;
  try {
    result = await ghostify({
      onnxPath: path, sourcePath: resolve(v.source), model: v.model, ...(v.all ? { all: true } : { targets }),
      settings: { ...(ratio !== undefined ? { ratio } : {}), ...(lambda !== undefined ? { lambda } : {}) },
      libraryPaths: defaultLibraryPaths(), options, outOnnx: resolve(v.output), ...(v.weights ? { outWeights: resolve(v.weights) } : {}),
    }, { workerPath: join(__dirname, 'ghostifyWorker.js'), signal: ac.signal, onProgress: progress?.update, timeoutMs: timeoutS * 1000 });
  } catch (e) {
    if (e instanceof GhostifyError) {
      process.stderr.write(`${progress?.clear() ?? ''}ghostlens: ${e.message}\n`);
      return e.kind === 'input' ? 2 : 1;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onInt);
  }
  process.stderr.write(progress?.clear() ?? '');
  if (v.rewritten) writeFileSync(resolve(v.rewritten), result.rewrite.text);
  if (v.json) process.stdout.write(JSON.stringify({ ...result, rewrite: { ...result.rewrite, text: undefined, edits: undefined } }, null, 1) + '\n');
  else process.stdout.write(renderGhostify(result) + (v.rewritten ? `rewritten source: ${v.rewritten}\n` : 'the rewritten source was not written (--rewritten OUT.py writes it)\n'));
  return 0;
}
