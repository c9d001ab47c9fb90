// Messages between the caller (runner.ts) and the measuring child process (child.ts): one job
// in, progress lines, then one result or one error.
import type { LayerRedundancy, StageRedundancy } from './types';

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

export interface RedundancyJob {
  type: 'job';
  /** The model with the statistics outputs (surgery.ts). */
  modelPath: string;
  input: { name: string; /** Fed per run; its first dimension is the samples per run. */ shape: number[] };
  /** Samples per run ÷ the batch the plan's pixel counts were taken at. */
  batchScale: number;
  runs: number;
  data: CalibrationSource;
  stages: JobStage[];
  layers: JobLayer[];
  threshold: number;
  ratio: number;
  bins: number;
  ridge: number;
  threads: number;
}

export interface ChildResult {
  stages: StageRedundancy[];
  layers: LayerRedundancy[];
  notes: string[];
  peakRssBytes: number;
  fitRuns: number;
  testRuns: number;
  provider: string;
}

export type ChildMessage =
  | { type: 'progress'; message: string; fraction?: number }
  | { type: 'result'; result: ChildResult }
  | { type: 'error'; message: string };

/** Runs held out for testing: every 4th (at least one, the last, when there are few). */
export const isTestRun = (r: number, runs: number): boolean => (runs < 4 ? r === runs - 1 : r % 4 === 3);
