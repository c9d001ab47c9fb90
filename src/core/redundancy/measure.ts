// Measured redundancy of an ONNX model with trained weights: the caller's entry point. The work —
// import (module paths from node names), plan, statistics surgery, streaming the calibration
// data through onnxruntime, the figures — happens in a child process (child.ts), so neither the
// editor nor the CLI holds the model or blocks on it. What the CLI and the editor call; no vscode.
import { resolve } from 'node:path';
import { runChild, RedundancyError, RunnerOptions } from './runner';
import { DEFAULT_REDUNDANCY, optionsProblem, RedundancyOptions } from './options';
import type { RedundancyResult } from './types';

export { RedundancyError, DEFAULT_REDUNDANCY };
export type { RedundancyOptions };

export function measureRedundancy(onnxPath: string, partial: Partial<RedundancyOptions>, r: RunnerOptions = {}): Promise<RedundancyResult> {
  const options: RedundancyOptions = { ...DEFAULT_REDUNDANCY, ...partial };
  const problem = optionsProblem(options);
  if (problem) return Promise.reject(new RedundancyError('input', problem));
  return runChild({ type: 'job', onnxPath: resolve(onnxPath), options: { ...options, ...(options.images ? { images: resolve(options.images) } : {}) } }, r);
}
