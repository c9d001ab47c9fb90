// `ghostlens redundancy MODEL.onnx`: measured redundancy of a model with trained weights, stage by
// stage (G-Ghost: later blocks rebuilt from the first by a 1×1 conv) and conv by conv (C-Ghost:
// near-duplicate channels), on images or explicitly random inputs; --source maps the results to
// the .py file's stages and lines.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { analyzeSource, parseInputSpec, syntaxProblems } from '../core/python';
import type { ModelGraph } from '../core/graph/model';
import { nodeHost, defaultLibraryPaths } from './nodeHost';
import { UsageError, parseCommand, intOption, numberOption, ttyProgress, sanitize, terminalSafe, readSource } from './common';
import { measureRedundancy, RedundancyError, RedundancyOptions } from '../core/redundancy/measure';
import type { RedundancyResult } from '../core/redundancy/types';
import { onnxToGraph } from '../core/onnx/import';
import { renderRedundancy } from '../core/redundancy/report';

export async function redundancyCommand(args: string[]): Promise<number> {
  const { values: v, file, path } = parseCommand(args, {
    source: { type: 'string' }, model: { type: 'string' }, images: { type: 'string' }, random: { type: 'string' }, limit: { type: 'string' },
    threshold: { type: 'string' }, ratio: { type: 'string' }, mean: { type: 'string' }, std: { type: 'string' }, input: { type: 'string' },
    batch: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
  }, 'redundancy needs a MODEL.onnx (exported with its trained weights)');
  if (!/\.onnx$/i.test(path)) throw new UsageError(`${file} is not a .onnx file (export the model with torch.onnx.export first)`);
  if ((v.images === undefined) === (v.random === undefined)) throw new UsageError('give calibration data: --images DIR or --random N (one of them)');
  if (v.model !== undefined && v.source === undefined) throw new UsageError('--model selects the model in --source FILE');
  const triple = (name: string, s: string | undefined): number[] | undefined => {
    if (s === undefined) return undefined;
    const xs = s.split(',').map(Number);
    if (xs.length !== 3 || xs.some((x) => !Number.isFinite(x))) throw new UsageError(`--${name} takes three numbers, e.g. 0.485,0.456,0.406`);
    return xs;
  };
  const threshold = v.threshold === undefined ? undefined : Number(v.threshold);
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) throw new UsageError('--threshold must be in (0, 1]');
  const timeoutS = numberOption('timeout', v.timeout, 86_400) ?? 600;
  let input: number[][] | undefined;
  try { input = v.input ? parseInputSpec(v.input) : undefined; } catch (e) { throw new UsageError((e as Error).message); }
  const options: Partial<RedundancyOptions> = {
    ...(v.images !== undefined ? { images: resolve(v.images) } : { random: intOption('random', v.random, 2, 100_000) }),
    ...strip({
      limit: intOption('limit', v.limit, 2, 1_000_000), threshold, ratio: intOption('ratio', v.ratio, 2, 64), mean: triple('mean', v.mean), std: triple('std', v.std),
      input, batch: intOption('batch', v.batch, 1, 4096), seed: intOption('seed', v.seed, 0), threads: intOption('threads', v.threads, 0, 1024),
    }),
  };
  if (v.source !== undefined) options.source = sourceGraph(v.source, v.model, path, input);

  const progress = process.stderr.isTTY && !v.json ? ttyProgress() : undefined;
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  let result: RedundancyResult;
  try {
    result = await measureRedundancy(path, options, {
      workerPath: join(__dirname, 'redundancyWorker.js'), signal: ac.signal, onProgress: progress?.update, timeoutMs: timeoutS * 1000,
    });
  } catch (e) {
    if (e instanceof RedundancyError) {
      process.stderr.write(`${progress?.clear() ?? ''}ghostlens: ${sanitize(e.message)}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onInt);
  }
  process.stderr.write(progress?.clear() ?? '');
  if (v.json) process.stdout.write(JSON.stringify(result, null, 1) + '\n');
  else process.stdout.write(terminalSafe(renderRedundancy(result, options.source ?? null), process.stdout.isTTY === true));
  return 0;
}

const strip = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;

/** The .py file's analysis, at the ONNX model's input shape unless given. */
function sourceGraph(file: string, model: string | undefined, onnxPath: string, input: number[][] | undefined): ModelGraph {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`no such file: ${file}`);
  const text = readSource(path, file);
  const bad = syntaxProblems(path, text)[0];
  if (bad) throw new UsageError(`${file}:${bad.line}: ${bad.message}`);
  let shapes = input;
  if (!shapes) {
    try { shapes = onnxToGraph(readFileSync(onnxPath), onnxPath).input; } catch { shapes = undefined; }
  }
  return analyzeSource(nodeHost, path, text, { model, input: shapes, libraryPaths: defaultLibraryPaths() });
}
