// The caller's side of ghostify: checks the options, forks the child (dist/ghostifyWorker.js),
// hands it the job and waits. A crash, a hang (timeout) or a cancellation (AbortSignal) kills the
// child and never the caller; progress lines come through as they happen. No vscode here.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runChildJob, stderrTail } from '../childJob';
import { IMAGENET_MEAN, IMAGENET_STD } from '../redundancy/options';
import type { GhostifyJob, GhostifyMessage, GhostifyOptions, GhostifyResult } from './types';

export type GhostifyErrorKind = 'input' | 'failed' | 'timeout' | 'cancelled' | 'crash';

export class GhostifyError extends Error {
  constructor(readonly kind: GhostifyErrorKind, message: string) { super(message); }
}

/**
 * Ridge 1e-9 of the mean feature variance: a C-Ghost fit's features are a d×d patch of one map,
 * neighbouring pixels strongly correlated, and a larger ridge biases an exact copy measurably
 * (test/torch/ghostify.test.ts's folded model, 160×160: the copied conv's output off by 5e-4 at
 * 1e-5, 1.1e-4 at 1e-7, 5e-6 at 1e-9); a dead or constant feature still keeps the system solvable
 * (and a failing factorisation retries with a 10× stronger ridge).
 */
export const DEFAULT_GHOSTIFY: GhostifyOptions = {
  limit: 64, mean: IMAGENET_MEAN, std: IMAGENET_STD, batch: 8, seed: 0, threads: 0, ridge: 1e-9, baselines: false,
};

export interface GhostifyRunOptions {
  workerPath?: string;
  signal?: AbortSignal;
  onProgress?: (p: { message: string; fraction?: number }) => void;
  /** Default 10 minutes. */
  timeoutMs?: number;
}

export function optionsProblem(o: GhostifyOptions): string | null {
  if ((o.images === undefined) === (o.random === undefined)) return 'give calibration data: an images folder or a number of random samples (not both)';
  if (o.random !== undefined && (!Number.isInteger(o.random) || o.random < 2)) return 'the number of random samples must be an integer ≥ 2';
  if (!Number.isInteger(o.limit) || o.limit < 2) return 'the image limit must be an integer ≥ 2';
  if (!Number.isInteger(o.batch) || o.batch < 1) return 'the batch must be a positive integer';
  if (!(o.ridge > 0)) return 'the ridge strength must be positive';
  if (o.mean.length !== 3 || o.std.length !== 3 || o.std.some((s) => !(s > 0))) return 'normalisation needs 3 means and 3 positive standard deviations';
  return null;
}

export type GhostifyRequest = Omit<GhostifyJob, 'type' | 'options'> & { options: Partial<GhostifyOptions> };

export function ghostify(req: GhostifyRequest, r: GhostifyRunOptions = {}): Promise<GhostifyResult> {
  const options: GhostifyOptions = { ...DEFAULT_GHOSTIFY, ...req.options };
  const problem = optionsProblem(options);
  if (problem) return Promise.reject(new GhostifyError('input', problem));
  if (!req.all && !req.targets?.length) return Promise.reject(new GhostifyError('input', 'name a conv or a stage to rewrite, or all candidates'));
  const job: GhostifyJob = {
    ...req, type: 'job', onnxPath: resolve(req.onnxPath), sourcePath: resolve(req.sourcePath), outOnnx: resolve(req.outOnnx),
    ...(req.outWeights ? { outWeights: resolve(req.outWeights) } : {}),
    options: { ...options, ...(options.images ? { images: resolve(options.images) } : {}) },
  };
  const workerPath = r.workerPath ?? join(__dirname, 'ghostifyWorker.js');
  if (!existsSync(workerPath)) return Promise.reject(new GhostifyError('crash', `the ghostify child's bundle is missing: ${workerPath} (run the build)`));
  if (r.signal?.aborted) return Promise.reject(new GhostifyError('cancelled', 'ghostify was cancelled'));
  const timeoutMs = r.timeoutMs ?? 600_000;
  let outcome: { result: GhostifyResult } | { error: GhostifyError } | null = null;
  let phase = 'starting';
  return runChildJob<GhostifyError>({
    workerPath, job, serialization: 'advanced', stderrChars: 16384, timeoutMs, signal: r.signal,
    onMessage: (raw) => {
      const m = raw as GhostifyMessage;
      if (m.type === 'progress') { phase = m.message; r.onProgress?.({ message: m.message, fraction: m.fraction }); }
      else if (m.type === 'result') outcome = { result: m.result };
      else if (m.type === 'error') outcome = { error: new GhostifyError(m.kind, m.message) };
      return outcome !== null;
    },
    stopped: (reason, detail) => {
      switch (reason) {
        case 'start': return new GhostifyError('crash', `the ghostify process could not be started: ${detail}`);
        case 'error': return new GhostifyError('crash', `the ghostify process failed: ${detail}`);
        case 'send': return new GhostifyError('crash', `the ghostify process did not take the job: ${detail}`);
        case 'timeout': return new GhostifyError('timeout', `ghostify did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped (last step: ${phase})`);
        case 'cancelled': return new GhostifyError('cancelled', 'ghostify was cancelled');
      }
    },
  }).then((end) => {
    if ('stopped' in end) throw end.stopped;
    const out = outcome as { result: GhostifyResult } | { error: GhostifyError } | null;
    if (out && 'result' in out) return out.result;
    if (out) throw out.error;
    const { code, signal, stderr } = end.closed;
    const tail = stderrTail(stderr);
    throw new GhostifyError('crash', `the ghostify process crashed (${signal ? `killed by ${signal}` : `exit code ${code}`}) while ${phase}${tail ? `: ${tail}` : ''}`);
  });
}
