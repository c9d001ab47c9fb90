// Messages between the extension host and the analysis engine (src/worker.ts). Plain data only:
// everything crosses a structured clone (a child process's 'advanced' serialization).
import type { ModelGraph } from './core/graph/model';
import type { DiagnosticSettings, Finding } from './core/analysis/diagnostics';
import type { EntryPoint } from './core/python/analyze';
import type { EntrySource } from './core/python/entrypoints';
import type { GhostSettings } from './core/analysis/ghost';
import type { RewriteJob, RewritePlan } from './core/rewrite/actions';

/**
 * V8 flags of the engine's process beside its heap limit. A young generation of 32 MB (V8's
 * default is smaller): an analysis makes tens of MB of short-lived values, and fewer scavenges
 * made a warm timm efficientnet_b0 analysis about a tenth faster (bench/analyze.mjs runs its warm
 * figures under the same flags).
 */
export const ENGINE_V8_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

export interface EntrySettings {
  /** The model the user picked for this file (Select model entry point). */
  pick?: string;
  /** `ghostlens.model` / `ghostlens.input` settings. */
  model?: string;
  input?: string;
}

export interface AnalyzeRequest {
  type: 'analyze';
  path: string;
  text: string;
  /** Unsaved text of other open documents (imports read these before the disk). */
  open: Record<string, string>;
  entry: EntrySettings;
  diagnostics: DiagnosticSettings;
}

export interface EntryPointsRequest {
  type: 'entryPoints';
  path: string;
  text: string;
  open: Record<string, string>;
}

/** Plans rewrites of `text` (code actions): each job's edits and the model's figures after it. */
export interface RewriteRequest {
  type: 'rewrite';
  path: string;
  text: string;
  open: Record<string, string>;
  /** The analysed model and input (those of the analysis the findings came from). */
  model: string;
  input: number[][];
  settings: GhostSettings;
  classes: 'inline' | 'module';
  jobs: RewriteJob[];
}

export type WorkerRequest = AnalyzeRequest | EntryPointsRequest | RewriteRequest;

/** `ghostlens.analysis.maxMemoryMB` / `timeLimitSeconds`: the budget of each analysis (core/python/budget.ts). */
export interface AnalysisLimits { maxMemoryMB: number; timeLimitSeconds: number }

/** What the extension host sends the engine. */
export interface WorkerMessage { id: number; req: WorkerRequest; limits?: AnalysisLimits }

export interface AnalyzeResult {
  /** null when no model could be built (see `error`). */
  graph: ModelGraph | null;
  findings: Finding[];
  entrySource: EntrySource;
  /** A failure the user must fix (no model found, entry expression failed); null on success. */
  error: { message: string; line: number | null } | null;
  /** The text's first syntax error (half-typed code), null when it parses. */
  syntax: { line: number; message: string } | null;
  /** Where the input shape came from: the file's `# ghostlens:` comment, the setting, or the default. */
  inputSource: InputSource;
  /** Time the worker spent, in ms. */
  ms: number;
}

export type InputSource = 'comment' | 'setting' | 'default';

export interface ResultOf {
  analyze: AnalyzeResult;
  entryPoints: EntryPoint[];
  rewrite: RewritePlan[];
}

export type WorkerReply =
  | { id: number; ok: true; result: AnalyzeResult | EntryPoint[] | RewritePlan[] }
  | { id: number; ok: false; error: string };
