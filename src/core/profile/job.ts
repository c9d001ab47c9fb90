// What the profiling parent (runner.ts) sends its child process (child.ts) and what comes back.
// Plain JSON over the IPC channel; model bytes travel as files in the job's temp folder.
import type { ModelGraph } from '../graph/model';
import type { GhostSettings } from '../analysis/ghost';
import type { CompareResult, ProfileOptions, ProfileResult, ProviderName, ProviderNote } from './types';

/** A .py model file: the child analyses and exports it (and its Ghost rewrite) itself. */
export interface SourceSpec {
  path: string;
  text: string;
  /** Unsaved documents the model imports: path → text (read before the disk). */
  open?: Record<string, string>;
  model?: string;
  input?: number[][];
  libraryPaths?: string[];
  ghost?: Partial<GhostSettings>;
  /** Seed of the exporter's random weights (both sides of a comparison use it). */
  seed?: number;
}

export interface OnnxSpec {
  /** Shown as ProfileResult.model. */
  label: string;
  path: string;
  /** The model's graph (module paths, stages) when known: per-stage times need it. 'import': read it from the file. */
  graph: ModelGraph | null | 'import';
  /** Shapes for symbolic input dimensions (default 1 each). */
  input?: number[][];
  notes?: string[];
}

export type ProfileJob =
  | { kind: 'onnx'; models: [OnnxSpec] | [OnnxSpec, OnnxSpec] }
  | { kind: 'source'; source: SourceSpec; compareGhost: boolean };

export interface JobRequest {
  type: 'job';
  job: ProfileJob;
  options: ProfileOptions;
  /** An onnxruntime-node package folder to load instead of the bundled one. */
  ortPath: string | null;
  /** Providers not to try, with why (one crashed an earlier child). */
  exclude: [ProviderName, string][];
  /** A folder the parent made and removes: traces, optimized graphs, exported models. */
  tmpDir: string;
}

export type ChildMessage =
  | { type: 'progress'; message: string; /** Share of the runs done, 0..1. */ fraction?: number }
  /** About to create a session with this provider (a crash now is the provider's). */
  | { type: 'trying'; provider: ProviderName }
  | { type: 'session'; provider: ProviderName }
  | { type: 'result'; result: ProfileResult | CompareResult }
  | { type: 'error'; kind: ErrorKind; message: string; notes?: ProviderNote[] };

/**
 * model: the ONNX file is broken or onnxruntime cannot run it; source: the .py model cannot be
 * analysed/exported/rewritten; provider: no provider could create a session; internal: a bug.
 */
export type ErrorKind = 'model' | 'source' | 'provider' | 'ort' | 'internal';
