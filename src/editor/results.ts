// What GhostLens knows about each open model file, per document version: its analysis, and the
// profile and redundancy measurement made on it. One place, one staleness rule, one change
// event: diagnostics, CodeLens, hover, status bar and panel read only from here, so a model's
// name and its figures on screen always come from the same analysis.
import * as vscode from 'vscode';
import type { AnalyzeResult } from '../workerProtocol';
import type { CompareResult, ProfileResult } from '../core/profile/types';
import type { RedundancyResult } from '../core/redundancy/types';
import type { GhostifyView } from '../protocol';

export interface DocAnalysis {
  uri: vscode.Uri;
  /** Document version and text the result is for (offsets refer to this text). */
  version: number;
  text: string;
  result: AnalyzeResult | null;
  /** An internal failure (worker crash, hang): no result. */
  failure?: string;
}

/** What a measurement was made on: the document version (null: a file on disk) and the model. */
export interface Stamp { version: number | null; model: string | null }
export interface Stamped<T> extends Stamp { result: T }

/**
 * The analysis to show. While the text does not parse (half-typed code), the last analysis of a
 * text that parsed and built a model stays, with `stale` naming the syntax error (figures of
 * half-parsed code could be silently wrong); otherwise the latest one.
 */
export interface Shown {
  analysis: DocAnalysis;
  /** Why the figures are of an earlier version of the text; null when they are the latest analysis'. */
  stale: string | null;
  /** The latest analysis failed (stale or not): its message. */
  latestError: string | null;
}

/** A measurement as shown with the current analysis: `stale` when the text changed since. */
export interface Current<T> { result: T; stale: boolean }

interface Entry {
  latest?: DocAnalysis;
  /** The latest analysis that built a model, preferably from text without syntax errors. */
  good?: DocAnalysis;
  profile?: Stamped<ProfileResult | CompareResult>;
  redundancy?: Stamped<RedundancyResult>;
  ghostify?: Stamped<GhostifyView>;
}

/**
 * The staleness rule, for every kind of result: made on another model than the one analysed now
 * → not shown at all (its paths and figures belong to that model); made on an earlier version of
 * the text → shown, marked stale ("before your edits").
 */
export function staleness(stamp: Stamp, version: number | null, model: string | null): 'current' | 'stale' | 'other-model' {
  if (stamp.model !== null && model !== null && stamp.model !== model) return 'other-model';
  if (stamp.version !== null && version !== null && stamp.version !== version) return 'stale';
  return 'current';
}

export class Results implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when anything about a document changes: an analysis starts, ends or is dropped; a measurement arrives. */
  readonly onDidChange = this.changed.event;

  private entry(uri: vscode.Uri): Entry {
    let e = this.entries.get(uri.toString());
    if (!e) this.entries.set(uri.toString(), e = {});
    return e;
  }

  /** Bumped whenever a result of `uri` is stored or dropped (not when an analysis merely starts). */
  private readonly revisions = new Map<string, number>();
  private bump(uri: vscode.Uri): void { this.revisions.set(uri.toString(), (this.revisions.get(uri.toString()) ?? 0) + 1); }
  /**
   * Changes only when what is shown for `uri` may change: views that draw results alone (the
   * Problems entries, CodeLens) skip the events of a run that only started, so they do not
   * redo their work, and make VS Code redo its own, while the worker analyses a keystroke.
   */
  revision(uri: vscode.Uri): number { return this.revisions.get(uri.toString()) ?? 0; }

  /** Tells the listeners that something about `uri` changed (e.g. an analysis started). */
  touch(uri: vscode.Uri): void { this.changed.fire(uri); }

  setAnalysis(a: DocAnalysis): void {
    const e = this.entry(a.uri);
    e.latest = a;
    // A model built from text that parses replaces any; one built around a syntax error (the
    // interpreter skips what it cannot parse) only stands in until a clean one exists.
    if (a.result?.graph && (!a.result.syntax || !e.good || e.good.result?.syntax)) e.good = a;
    this.bump(a.uri);
    this.changed.fire(a.uri);
  }

  setProfile(uri: vscode.Uri, result: ProfileResult | CompareResult, stamp: Stamp): void {
    this.entry(uri).profile = { ...stamp, result };
    this.bump(uri);
    this.changed.fire(uri);
  }

  setRedundancy(uri: vscode.Uri, result: RedundancyResult | undefined, stamp: Stamp): void {
    this.entry(uri).redundancy = result && { ...stamp, result };
    this.bump(uri);
    this.changed.fire(uri);
  }

  setGhostify(uri: vscode.Uri, result: GhostifyView, stamp: Stamp): void {
    this.entry(uri).ghostify = { ...stamp, result };
    this.changed.fire(uri);
  }

  /** Drops everything about `uri` (the document closed, or is no model file). */
  forget(uri: vscode.Uri): void {
    if (this.entries.delete(uri.toString())) { this.bump(uri); this.changed.fire(uri); }
  }

  /** The latest analysis, whatever came of it (commands that need the exact text use this). */
  latest(uri: vscode.Uri): DocAnalysis | undefined { return this.entries.get(uri.toString())?.latest; }

  /** The analysis to show (see Shown). */
  shown(uri: vscode.Uri): Shown | undefined {
    const e = this.entries.get(uri.toString());
    const latest = e?.latest;
    if (!latest) return undefined;
    const latestError = latest.result?.graph ? null : latest.result?.error?.message ?? latest.failure ?? 'no result';
    const syntax = latest.result?.syntax;
    if (e.good && e.good !== latest && (syntax || (!latest.result?.graph && latest.failure))) {
      const why = syntax ? `line ${syntax.line}: ${syntax.message}` : `the analysis failed: ${latest.failure}`;
      return { analysis: e.good, stale: why, latestError };
    }
    return { analysis: latest, stale: null, latestError };
  }

  /** The profile of `uri`, when it was made on the model shown now. */
  profile(uri: vscode.Uri): Current<ProfileResult | CompareResult> | undefined { return this.current(uri, this.entries.get(uri.toString())?.profile); }
  redundancy(uri: vscode.Uri): Current<RedundancyResult> | undefined { return this.current(uri, this.entries.get(uri.toString())?.redundancy); }
  ghostify(uri: vscode.Uri): Current<GhostifyView> | undefined { return this.current(uri, this.entries.get(uri.toString())?.ghostify); }

  private current<T>(uri: vscode.Uri, s: Stamped<T> | undefined): Current<T> | undefined {
    if (!s) return undefined;
    const model = this.shown(uri)?.analysis.result?.graph?.model ?? null;
    const st = staleness(s, documentVersion(uri), model);
    return st === 'other-model' ? undefined : { result: s.result, stale: st === 'stale' };
  }

  dispose(): void { this.entries.clear(); this.changed.dispose(); }
}

/** The open document's version, or null when `uri` is not open. */
export function documentVersion(uri: vscode.Uri): number | null {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.version ?? null;
}
