// A .py model → the ONNX model(s) to profile: the model itself, and with compareGhost its
// all-candidates Ghost rewrite, both exported by GhostLens's exporter with the same seed.
// Runs in the profiling child, so a long analysis never blocks the editor.
import { readFileSync, statSync } from 'node:fs';
import { sourceToOnnx } from '../onnx/export';
import { rewriteSource } from '../rewrite/rewrite';
import type { FileHost } from '../python/imports';
import type { ModelGraph } from '../graph/model';
import type { SourceSpec } from './job';

export interface PreparedModel {
  label: string;
  bytes: Uint8Array;
  graph: ModelGraph;
  notes: string[];
}

/** node:fs, with the editor's unsaved documents first. */
export function overlayHost(open: Record<string, string> = {}): FileHost {
  return {
    readFile: (p) => (Object.hasOwn(open, p) ? open[p] : (() => { try { return readFileSync(p, 'utf8'); } catch { return null; } })()),
    isFile: (p) => Object.hasOwn(open, p) || (statSync(p, { throwIfNoEntry: false })?.isFile() ?? false),
    isDir: (p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false,
  };
}

function exportOne(host: FileHost, spec: SourceSpec, path: string, text: string, label: string): PreparedModel {
  const r = sourceToOnnx(host, path, text, { model: spec.model, input: spec.input, libraryPaths: spec.libraryPaths, seed: spec.seed ?? 1 });
  const notes: string[] = [];
  const u = r.export.unknownValues;
  if (u.length) notes.push(`${u.length} buffer value(s) unknown to the static analysis were filled with placeholders (${u.slice(0, 3).join(', ')}${u.length > 3 ? ', ...' : ''}): timing is right, output values are not`);
  return { label, bytes: r.bytes, graph: r.graph, notes };
}

/** The model (and its Ghost rewrite); throws AnalysisError / ExportError / RewriteError. */
export function prepareSource(spec: SourceSpec, compareGhost: boolean): PreparedModel[] {
  const host = overlayHost(spec.open);
  const before = exportOne(host, spec, spec.path, spec.text, '');
  before.label = before.graph.model;
  if (!compareGhost) return [before];
  const rw = rewriteSource(host, spec.path, spec.text, {
    model: spec.model, input: spec.input, libraryPaths: spec.libraryPaths, all: true, settings: spec.ghost, classes: 'inline',
  });
  if (!rw.edits.length) {
    const why = rw.skipped.length ? `: ${rw.skipped.slice(0, 3).map((s) => `${s.path} (${s.reason})`).join('; ')}` : '';
    throw new NoGhostCandidates(`the model has no Ghost candidate to rewrite, so there is nothing to compare${why}`);
  }
  const after = exportOne(host, spec, spec.path, rw.text, `${before.label} + Ghost`);
  after.notes.unshift(`Ghost rewrite: ${rw.applied.map((a) => `${a.kind} ${a.path}`).join(', ')}`);
  return [before, after];
}

export class NoGhostCandidates extends Error {}
