// Summary statistics of run times. Percentiles use linear interpolation between the closest
// ranks (Hyndman & Fan type 7, numpy's default): for sorted x[0..n-1] and p in [0, 1],
// h = (n-1)·p and P = x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]). The standard deviation is the
// sample one (divides by n-1; 0 for a single run).
import type { Stats } from './types';

/** Percentile p (0..1) of ascending-sorted values, type-7 interpolation. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (!sorted.length) throw new RangeError('percentile of no values');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile ${p} is not in [0, 1]`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function percentile(values: readonly number[], p: number): number {
  return percentileSorted([...values].sort((a, b) => a - b), p);
}

export function summarize(values: readonly number[]): Stats {
  if (!values.length) throw new RangeError('no run times to summarize');
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('run times must be finite numbers');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const ss = sorted.reduce((s, v) => s + (v - mean) ** 2, 0);
  return {
    runs: n,
    mean,
    stdev: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min: sorted[0],
    p50: percentileSorted(sorted, 0.5),
    p90: percentileSorted(sorted, 0.9),
    p99: percentileSorted(sorted, 0.99),
    max: sorted[n - 1],
  };
}
