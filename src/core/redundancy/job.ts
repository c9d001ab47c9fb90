// Messages between the caller (runner.ts) and the measuring child process (child.ts): one job
// in, progress lines, then one result or one error; and the child's own plan of the run.
import type { RedundancyOptions } from './options';
import type { RedundancyResult } from './types';

export interface RedundancyJob {
  type: 'job';
  /** The user's ONNX file (absolute path). */
  onnxPath: string;
  options: RedundancyOptions;
}

export type ChildMessage =
  | { type: 'progress'; message: string; fraction?: number }
  | { type: 'result'; result: RedundancyResult }
  | { type: 'error'; /** input: the model or the data cannot be used; failed: something else. */ kind: 'input' | 'failed'; message: string };

export interface StatNames { sum: string; second: string }

export interface JobStage {
  stage: string;
  firstBlock: string;
  x: { channels: number; pixels: number; stats: StatNames };
  blocks: { path: string; channels: number; measured: number; pixels: number; y: StatNames; xy: string }[];
}

export interface JobLayer { path: string; channels: number; pixels: number; stats: StatNames }

export type CalibrationSource =
  | { kind: 'random'; seed: number }
  | { kind: 'images'; files: string[]; mean: number[]; std: number[] };

/** Runs held out for testing: every 4th (at least one, the last, when there are few). */
export const isTestRun = (r: number, runs: number): boolean => (runs < 4 ? r === runs - 1 : r % 4 === 3);
