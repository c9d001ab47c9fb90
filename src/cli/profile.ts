// `ghostlens profile FILE|MODEL.onnx`: latency with onnxruntime-node (in a child process), per
// stage and layer from its trace, and with --compare-ghost the all-candidates Ghost rewrite
// profiled alongside, runs alternating.
import { resolve, basename, join } from 'node:path';
import { parseInputSpec, syntaxProblems } from '../core/python';
import { defaultLibraryPaths } from './nodeHost';
import { UsageError, parseCommand, intOption, numberOption, ttyProgress, sanitize, terminalSafe, readSource } from './common';
import { profileSource, profileOnnx, ProfileError } from '../core/profile/runner';
import { parseProviderChoice } from '../core/profile/providers';
import { DEFAULT_PROFILE_OPTIONS, CompareResult, ProfileOptions, ProfileResult } from '../core/profile/types';
import { resolveOrtPath } from '../core/profile/setup';
import { renderProfile } from '../views/profileReport';

export async function profileCommand(args: string[]): Promise<number> {
  const { values: v, file, path } = parseCommand(args, {
    model: { type: 'string' }, input: { type: 'string' }, ep: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' },
    threads: { type: 'string' }, 'compare-ghost': { type: 'boolean' }, json: { type: 'boolean' }, timeout: { type: 'string' },
    top: { type: 'string' }, ort: { type: 'string' }, 'profile-runs': { type: 'string' },
  }, 'profile needs a FILE (a .py model definition or a .onnx model)');
  // Upper bounds: a run count past them is a typo, and warm-up runs are traced (memory grows with them).
  const MAX: Record<string, number> = { runs: 100_000, warmup: 10_000, threads: 1024, 'profile-runs': 1000, top: 1_000_000 };
  const int = (name: string, s: string | undefined, dflt: number, min: number): number => intOption(name, s, min, MAX[name]) ?? dflt;
  const provider = v.ep === undefined ? 'auto' : parseProviderChoice(v.ep);
  if (!provider) throw new UsageError(`--ep must be one of auto, cuda, tensorrt, dml, coreml, webgpu, cpu (got '${v.ep}')`);
  const timeoutS = numberOption('timeout', v.timeout, 86_400) ?? DEFAULT_PROFILE_OPTIONS.timeoutMs / 1000;
  const options: ProfileOptions = {
    ...DEFAULT_PROFILE_OPTIONS, provider,
    runs: int('runs', v.runs, DEFAULT_PROFILE_OPTIONS.runs, 1), warmup: int('warmup', v.warmup, DEFAULT_PROFILE_OPTIONS.warmup, 0),
    threads: int('threads', v.threads, 0, 0), timeoutMs: timeoutS * 1000,
    ...(v['profile-runs'] !== undefined ? { profileRuns: int('profile-runs', v['profile-runs'], 10, 1) } : {}),
  };
  const top = int('top', v.top, 10, 0);
  let input: number[][] | undefined;
  try { input = v.input ? parseInputSpec(v.input) : undefined; } catch (e) { throw new UsageError((e as Error).message); }
  let ortPath: string | null = null;
  if (v.ort !== undefined) {
    const r = resolveOrtPath(resolve(v.ort));
    if (!r.path) throw new UsageError(r.why);
    ortPath = r.path;
  }

  const isOnnx = /\.onnx$/i.test(path);
  const progress = process.stderr.isTTY ? ttyProgress() : undefined;
  const runner = { ortPath, onProgress: progress?.update, workerPath: join(__dirname, 'profileWorker.js') };
  let result: ProfileResult | CompareResult;
  try {
    if (isOnnx) {
      if (v['compare-ghost']) throw new UsageError('--compare-ghost needs a .py model: the Ghost rewrite edits the source');
      if (v.model) throw new UsageError('--model applies to .py files; a .onnx file is one model');
      result = await profileOnnx(path, 'import', { ...options, label: basename(path), input }, runner);
    } else {
      const text = readSource(path, file);
      const bad = syntaxProblems(path, text)[0];
      if (bad) throw new UsageError(`${file}:${bad.line}: ${bad.message}`);
      result = await profileSource({ path, text, model: v.model, input, libraryPaths: defaultLibraryPaths() }, v['compare-ghost'] === true, options, runner);
    }
  } catch (e) {
    if (e instanceof ProfileError) {
      if (e.kind === 'model' || e.kind === 'source') throw new UsageError(`cannot profile ${file}: ${e.message}`);
      process.stderr.write(`${progress?.clear() ?? ''}ghostlens: profiling ${file} failed: ${sanitize(e.message)}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.stderr.write(progress?.clear() ?? '');
  }
  process.stdout.write(v.json ? JSON.stringify(result, null, 1) + '\n' : terminalSafe(renderProfile(result, top, process.stdout.isTTY === true), process.stdout.isTTY === true));
  return 0;
}
