// Least-squares fits that initialise the Ghost parts, from streamed sums (never the activations):
// - C-Ghost: each ghost channel t of intrinsic channel i as a d×d depthwise filter over i's
//   patches plus a bias (the cheap conv and its BatchNorm's shift): a (d²)-sized ridge solve each;
// - G-Ghost: the ghost channels of the stage's input to its last block as a 1×1 conv plus bias
//   of the first block's output channels the ghost path reads (redundancy's stage fit, on those
//   channels).
// Both fitted on the fit batches, their error measured on the held-out ones (‖t − t̂‖² over the
// centred energy, as measured redundancy reports it). Solves by ml-matrix (Cholesky).
import { Matrix, CholeskyDecomposition } from 'ml-matrix';

/** Sums of one least-squares problem: features x (p), targets y (q), n samples. */
export interface LsqSums {
  n: number;
  /** Σx (p), Σxxᵀ (p×p row-major), Σxyᵀ (p×q), Σy (q), Σy² (q). */
  sx: Float64Array;
  sxx: Float64Array;
  sxy: Float64Array;
  sy: Float64Array;
  syy: Float64Array;
}

export function emptySums(p: number, q: number): LsqSums {
  return { n: 0, sx: new Float64Array(p), sxx: new Float64Array(p * p), sxy: new Float64Array(p * q), sy: new Float64Array(q), syy: new Float64Array(q) };
}

export interface LsqFit {
  /** p×q, row-major: ŷ_j = Σ_i w[i·q + j] x_i + b_j. */
  w: Float64Array;
  b: Float64Array;
}

/**
 * Ridge least squares on centred sums: (Cov_x + λI) W = Cov_xy, b = ȳ − Wᵀx̄, with λ = ridge × the
 * mean feature variance (a constant or dead feature keeps the system solvable).
 */
export function solveLsq(s: LsqSums, ridge: number): LsqFit {
  const p = s.sx.length, q = s.sy.length, n = s.n;
  if (n < 2) throw new Error('too few samples to fit');
  const mx = Array.from(s.sx, (v) => v / n), my = Array.from(s.sy, (v) => v / n);
  const cov = new Matrix(p, p);
  let trace = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      const v = ((s.sxx[i * p + j] + s.sxx[j * p + i]) / 2) / n - mx[i] * mx[j];
      cov.set(i, j, v); cov.set(j, i, v);
    }
    trace += cov.get(i, i);
  }
  let lambda = Math.max(ridge * (trace / p), 1e-12);
  let chol: CholeskyDecomposition | null = null;
  for (let tries = 0; tries < 10 && !chol; tries++, lambda *= 10) {
    const a = cov.clone();
    for (let i = 0; i < p; i++) a.set(i, i, a.get(i, i) + lambda);
    const c = new CholeskyDecomposition(a);
    if (c.isPositiveDefinite()) chol = c;
  }
  if (!chol) throw new Error('the features\' covariance is not positive definite even with a strong ridge');
  const cxy = new Matrix(p, q);
  for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) cxy.set(i, j, s.sxy[i * q + j] / n - mx[i] * my[j]);
  const W = chol.solve(cxy);
  const w = new Float64Array(p * q), b = new Float64Array(q);
  for (let j = 0; j < q; j++) {
    let bj = my[j];
    for (let i = 0; i < p; i++) { const v = W.get(i, j); w[i * q + j] = v; bj -= v * mx[i]; }
    b[j] = bj;
  }
  return { w, b };
}

/** Σ over targets of ‖y − ŷ‖² and of ‖y − ȳ‖² on other sums (the held-out data). */
export function lsqError(f: LsqFit, s: LsqSums): { err: number; energy: number } {
  const p = s.sx.length, q = s.sy.length, n = s.n;
  let err = 0, energy = 0;
  for (let j = 0; j < q; j++) {
    // ‖y − Wᵀx − b‖² = Σy² − 2(wᵀΣxy + bΣy) + wᵀΣxxᵀw + 2b wᵀΣx + n b²
    let wxy = 0, wsx = 0, quad = 0;
    for (let i = 0; i < p; i++) {
      const wi = f.w[i * q + j];
      wxy += wi * s.sxy[i * q + j];
      wsx += wi * s.sx[i];
      let row = 0;
      for (let k = 0; k < p; k++) row += s.sxx[i * p + k] * f.w[k * q + j];
      quad += wi * row;
    }
    const bj = f.b[j];
    err += Math.max(0, s.syy[j] - 2 * (wxy + bj * s.sy[j]) + quad + 2 * bj * wsx + n * bj * bj);
    energy += Math.max(0, s.syy[j] - (s.sy[j] * s.sy[j]) / Math.max(n, 1));
  }
  return { err, energy };
}

/** err / energy, with 0/0 = 0 (a constant target rebuilt exactly). */
export const relOf = (e: { err: number; energy: number }): number =>
  e.energy > 0 ? e.err / e.energy : e.err <= 1e-12 ? 0 : 1;
