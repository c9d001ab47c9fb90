// Settings of a redundancy measurement, their defaults and their checks: what the CLI, the editor
// and the child share. Kept free of heavy imports (the extension host loads it).
import type { ModelGraph } from '../graph/model';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

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
  /** Target channels measured per block at most (evenly spread; the solve costs C²·k). */
  maxTargets: number;
  /** Convs with more output channels are skipped (their Gram is C²). */
  maxLayerChannels: number;
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
 * |cos| ≥ 0.9: one channel, scaled and shifted, leaves at most 1 − 0.9² = 19% of the other's
 * variance — most of the map is a copy. Ridge 1e-3: small against the channels' variance (an
 * exact linear relation still fits to ~0), large enough to keep a rank-deficient covariance
 * solvable.
 */
export const DEFAULT_REDUNDANCY: RedundancyOptions = {
  limit: 64, mean: IMAGENET_MEAN, std: IMAGENET_STD, threshold: 0.9, ratio: 2, bins: 20, ridge: 1e-3,
  maxTargets: 256, maxLayerChannels: 4096, batch: 8, seed: 0, threads: 0,
};

/** What is wrong with the options, or null. */
export function optionsProblem(o: RedundancyOptions): string | null {
  if ((o.images === undefined) === (o.random === undefined)) return 'give calibration data: an images folder or a number of random samples (not both)';
  if (o.random !== undefined && (!Number.isInteger(o.random) || o.random < 2)) return 'the number of random samples must be an integer ≥ 2';
  if (!(o.threshold > 0 && o.threshold <= 1)) return 'the near-duplicate threshold must be in (0, 1]';
  if (!Number.isInteger(o.ratio) || o.ratio < 2) return 'the ghost ratio must be an integer ≥ 2';
  if (!(o.ridge > 0)) return 'the ridge strength must be positive';
  if (!Number.isInteger(o.limit) || o.limit < 2) return 'the image limit must be an integer ≥ 2';
  if (!Number.isInteger(o.maxTargets) || o.maxTargets < 1) return 'maxTargets must be a positive integer';
  if (!Number.isInteger(o.batch) || o.batch < 1) return 'the batch must be a positive integer';
  if (!Number.isInteger(o.bins) || o.bins < 1) return 'the histogram needs at least one bin';
  if (o.mean.length !== 3 || o.std.length !== 3 || o.std.some((s) => !(s > 0)) || o.mean.some((m) => !Number.isFinite(m))) {
    return 'normalisation needs 3 means and 3 positive standard deviations';
  }
  return null;
}
