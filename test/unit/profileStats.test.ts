// Run-time statistics: type-7 percentiles (numpy's default) and the sample standard deviation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, percentileSorted, summarize } from '../../src/core/profile/stats';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test('percentiles interpolate between the closest ranks (values from numpy.percentile)', () => {
  const xs = [15, 20, 35, 40, 50];
  // numpy.percentile([15,20,35,40,50], [0,40,50,90,99,100]) = 15, 29, 35, 46, 49.6, 50
  close(percentile(xs, 0), 15);
  close(percentile(xs, 0.4), 29);
  close(percentile(xs, 0.5), 35);
  close(percentile(xs, 0.9), 46);
  close(percentile(xs, 0.99), 49.6);
  close(percentile(xs, 1), 50);
  // Order of the input does not matter; an even count's median is the mean of the middle two.
  close(percentile([4, 1, 3, 2], 0.5), 2.5);
  close(percentileSorted([7], 0.99), 7);
});

test('summarize: mean, sample stdev, min/max and percentiles of 1..100', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  const s = summarize(xs);
  assert.equal(s.runs, 100);
  close(s.mean, 50.5);
  // numpy.std(range(1,101), ddof=1) = 29.011491975882016
  close(s.stdev, 29.011491975882016, 1e-9);
  assert.equal(s.min, 1);
  assert.equal(s.max, 100);
  close(s.p50, 50.5);
  close(s.p90, 90.1);
  close(s.p99, 99.01, 1e-9);
});

test('one run has stdev 0; no runs or non-finite times are refused', () => {
  assert.equal(summarize([3.5]).stdev, 0);
  assert.throws(() => summarize([]), RangeError);
  assert.throws(() => summarize([1, NaN]), RangeError);
  assert.throws(() => percentile([1, 2], 1.5), RangeError);
});
