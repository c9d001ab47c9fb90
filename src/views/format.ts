// Every number GhostLens shows, formatted in one place: the editor (CodeLens, hover, status bar,
// messages), the panel's webview and the CLI's tables use these, so one figure reads the same
// everywhere. Shares are of the whole model (its MACs, its node time): the one base of percentages.
export { fmtShare, fmtChange } from '../core/analysis/diagnostics';

export const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** `125.75 M`, `4.12 G`; `unknown` for null. */
export function fmtMacs(n: number | null): string {
  if (n === null) return 'unknown';
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' K';
  return String(n);
}

/** `855.8 K`, `25.6 M` for parameter counts in tight places (status bar). */
export function fmtCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' K';
  return String(n);
}

export const fmtShape = (s: number[] | null | undefined): string => (s ? s.join('\u00d7') : '?');

/** `12.3 ms`, `3.14 ms`, `0.042 ms`. */
export function fmtMs(ms: number | null): string {
  if (ms === null) return '\u2014';
  if (ms === 0) return '0 ms';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 0.1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** `33.8%` of a 0..1 share, one decimal; an em dash when unknown. */
export function fmtPct(share: number | null): string {
  return share === null ? '\u2014' : `${(100 * share).toFixed(1)}%`;
}

/** `×0.62` for a ratio after/before. */
export const fmtRatio = (r: number | null): string => (r === null ? '\u2014' : `\u00d7${r.toFixed(2)}`);

/** A value of a chart's unit, for its ticks and tooltips. */
export function fmtUnit(unit: 'macs' | 'ms' | 'share' | 'count', v: number | null): string {
  if (v === null) return 'unknown';
  return unit === 'macs' ? fmtMacs(v) : unit === 'ms' ? fmtMs(v) : unit === 'share' ? fmtPct(v) : String(Math.round(v));
}
