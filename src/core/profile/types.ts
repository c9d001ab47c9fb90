// Shared result types of latency profiling: produced by core/profile, read by the CLI, the
// editor (CodeLens/hover) and the panel (through src/protocol.ts). Times are milliseconds.

/** Execution providers in the order `auto` tries them. */
export type ProviderName = 'cuda' | 'tensorrt' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
export type ProviderChoice = ProviderName | 'auto';

export interface ProfileOptions {
  provider: ProviderChoice;
  /** Intra-op threads; 0 = onnxruntime's default. */
  threads: number;
  runs: number;
  warmup: number;
  /** Whole-run limit; the child process is killed past it. */
  timeoutMs: number;
  /** Record onnxruntime's per-node trace (per layer / per stage times). */
  perNode: boolean;
  /**
   * Runs traced for the per-node times (after the warm-up, before the timed runs; tracing slows
   * a run, so the timed runs are never traced). Default: min(runs, 10).
   */
  profileRuns?: number;
}

export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = {
  provider: 'auto', threads: 0, runs: 50, warmup: 10, timeoutMs: 120_000, perNode: true,
};

export interface Stats {
  runs: number;
  mean: number;
  stdev: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Why a provider was or was not used. */
export interface ProviderNote {
  name: ProviderName;
  /** Listed by onnxruntime-node's listSupportedBackends(). */
  listed: boolean;
  used: boolean;
  /** e.g. "libcudart.so.12 not found", "forced by ghostlens.profile.provider". */
  why: string;
}

/** Time of one module (leaf layer, or block/stage when aggregated), from the per-node trace. */
export interface ModuleTime {
  /** Module path (named_modules() name); '' for nodes outside any module. */
  path: string;
  /** Mean time per run over the timed runs. */
  ms: number;
  /** Share of the summed node time, 0..1. */
  share: number;
  /** ONNX node names that were attributed to this module. */
  nodes: number;
  /**
   * Stages only: the stage's share of the traced runs' node time applied to the untraced runs'
   * p50 (stats.p50) — the figure comparable with the model's p50 (`ms` is the traced runs' own
   * mean, which profiling slows).
   */
  p50Ms?: number;
}

/**
 * Where the traced node time went, every node in exactly one part: a stage (by the original
 * model's stages, also for the Ghost side of a comparison), the stem (before the first stage),
 * between stages, the head (after the last stage), or unattributed (a node no module owns).
 * The parts sum to nodeTotalMs.
 */
export interface TimePart {
  /** The stage path, or 'stem' / 'between stages' / 'head' / 'unattributed'. */
  name: string;
  kind: 'stage' | 'stem' | 'between' | 'head' | 'unattributed';
  /** Per traced run (the sum of its nodes' medians), ms. */
  ms: number;
  /** Share of nodeTotalMs. */
  share: number;
  /** share × stats.p50: comparable with the model's p50. */
  p50Ms: number;
  nodes: number;
}

export interface ProfileResult {
  /** Model label: the entry point expression or the .onnx file name. */
  model: string;
  input: number[][];
  /** The provider that actually ran every timed run. */
  provider: ProviderName;
  providers: ProviderNote[];
  threads: number;
  /** Wall time of each timed run (session.run), in order. */
  times: number[];
  stats: Stats;
  /** Per leaf module; empty when perNode is off. */
  layers: ModuleTime[];
  /** Per stage of the ModelGraph (stage path as in Stage.path). */
  stages: ModuleTime[];
  /** Sum of per-node kernel times per run, each node's median over the traced runs (≤ wall time). */
  nodeTotalMs: number | null;
  /** Where nodeTotalMs went (stages, stem, between, head, unattributed); absent without a trace. */
  parts?: TimePart[];
  /**
   * Median wall time of the traced runs (onnxruntime's model_run): about nodeTotalMs plus the
   * time between kernels; profiling makes it slower than the untraced runs of `stats`.
   */
  tracedRunMs?: number;
  onnxruntimeVersion: string;
  /** Where onnxruntime-node was loaded from (bundled, the setting, the GPU setup's install). */
  onnxruntimePath?: string;
  /** Traced runs the per-node times are the mean of (0 when perNode is off). */
  profileRuns?: number;
  /** Warm-up runs before anything was timed. */
  warmup?: number;
  /**
   * Per-node time by the provider that ran the nodes (a CUDA session runs some nodes on the CPU);
   * provider names as onnxruntime reports them (`CUDAExecutionProvider`).
   */
  nodeProviders?: { provider: string; nodes: number; ms: number }[];
  /** How the traced nodes were mapped to modules (see core/profile/trace.ts). */
  attribution?: { exact: number; renamed: number; inserted: number; unmapped: number };
  /** Session creation (model load + graph optimisation), ms. */
  sessionMs?: number;
  /** Things the reader should know (a .onnx without stages, placeholder buffers, ...). */
  notes?: string[];
}

export interface StageComparison {
  path: string;
  beforeMs: number | null;
  afterMs: number | null;
  /** after / before (< 1 is faster). */
  ratio: number | null;
}

/** Before/after Ghost: both models profiled in one run, same provider and settings, alternating. */
export interface CompareResult {
  before: ProfileResult;
  after: ProfileResult;
  /** after.stats.p50 / before.stats.p50. */
  ratio: number;
  stages: StageComparison[];
}
