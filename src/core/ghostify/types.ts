// Ghostify: a rewrite whose Ghost model starts from the trained model's weights. Shared types of
// the job (caller → child process), its messages and its result (read by the CLI and the editor).
import type { RewriteTarget, TextEdit } from '../rewrite/rewrite';
import type { GhostSettings } from '../analysis/ghost';
import type { CalibrationInfo } from '../redundancy/types';

export interface GhostifyOptions {
  images?: string;
  random?: number;
  limit: number;
  mean: number[];
  std: number[];
  /** Samples per run when the file's batch is symbolic. */
  batch: number;
  seed: number;
  threads: number;
  /** Ridge strength, relative to the mean variance of a fit's features. */
  ridge: number;
  /** Also measure the Ghost model with its Ghost parts (and with everything) at random init. */
  baselines: boolean;
}

export interface GhostifyJob {
  type: 'job';
  onnxPath: string;
  sourcePath: string;
  /** The source's text (an unsaved editor buffer); read from disk when absent. */
  sourceText?: string;
  model?: string;
  targets?: RewriteTarget[];
  all?: boolean;
  settings?: Partial<GhostSettings>;
  libraryPaths: string[];
  options: GhostifyOptions;
  /** Where to write the ghostified model (ONNX) and, optionally, its state_dict (safetensors). */
  outOnnx: string;
  outWeights?: string;
}

export type GhostifyMessage =
  | { type: 'progress'; message: string; fraction?: number }
  | { type: 'result'; result: GhostifyResult }
  | { type: 'error'; kind: 'input' | 'failed'; message: string };

export interface SiteResult {
  kind: 'conv' | 'stage';
  /** Module path in both models (the GhostModule / GGhostStage replaces the module there). */
  path: string;
  /** How its weights were made, in words. */
  init: string;
  /** Channels fitted (C-Ghost: the ghost maps; G-Ghost: the ghost path) of all its output channels. */
  fitted: number;
  channels: number;
  /** Held-out ‖t − t̂‖² / ‖t − mean t‖² of the fitted channels from the original's own inputs; null: nothing fitted. */
  fitError: number | null;
  /** Held-out ‖a − b‖ / ‖b‖ of the site's output in the ghostified model (a) against the original's (b). */
  modelError: number | null;
}

export interface OutputAgreement {
  /** ‖y − y₀‖ / ‖y₀‖ of the first output over the held-out samples. */
  relError: number;
  /** Share of held-out samples whose argmax agrees (classifier outputs: N × K); null otherwise. */
  top1: number | null;
}

export interface GhostifyResult {
  model: string;
  source: string;
  /** The rewritten source and what the rewrite did. */
  rewrite: {
    text: string;
    edits: TextEdit[];
    applied: (RewriteTarget & { detail: string })[];
    skipped: (RewriteTarget & { reason: string })[];
    before: { params: number; macs: number | null };
    after: { params: number; macs: number | null };
  };
  calibration: CalibrationInfo;
  sites: SiteResult[];
  output: OutputAgreement;
  /** Distinct top-1 classes of the original over the held-out samples (1: the agreement says little). */
  heldOutClasses: number | null;
  /** With options.baselines: the same Ghost model with its Ghost parts at random init (other layers copied), and all at random init. */
  baselines?: { ghostRandom: OutputAgreement; allRandom: OutputAgreement };
  /** Tensors of the rewritten state_dict copied, sliced, fitted, set by rule, or left at random init. */
  tensors: { copied: number; sliced: number; fitted: number; set: number; random: string[] };
  onnxPath: string;
  weightsPath: string | null;
  seconds: number;
  /** Seconds per step: rewrite, export and surgery; the statistics pass; fits and weights; the held-out comparison; the baselines' share of it; writing the files. */
  timings: { prepare: number; statistics: number; fit: number; compare: number; baselines: number; write: number };
  peakRssBytes: number | null;
  notes: string[];
}
