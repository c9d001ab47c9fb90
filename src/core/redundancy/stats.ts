// The measurements from streamed sufficient statistics, so that memory does not grow with the
// data: per-pixel channel vectors are summed batch by batch (n, Σx, Σxxᵀ, Σxyᵀ; onnxruntime
// computes each batch's sums inside the model, see surgery.ts), then:
// - stage-wise: ridge least squares of a block's output from the first block's output (a 1×1
//   conv with bias), fitted on the fit samples, its error measured on the held-out ones;
// - layer-wise: pairwise |cosine| of a conv's centred output channels, the share of channels that
//   duplicate another, and how well all channels are rebuilt from a ceil(C/s) subset by
//   per-channel affine maps (a 1×1 depthwise conv + bias, the cheapest C-Ghost operation).
// Linear algebra by ml-matrix (Cholesky); nothing here is a hand-written solver.
import { Matrix, CholeskyDecomposition } from 'ml-matrix';

/** Running sums of per-pixel vectors of C channels: count, Σx, and Σxxᵀ (or only its diagonal). */
export class Moments {
  n = 0;
  readonly sum: Float64Array;
  /** C×C, row-major; null when only the diagonal is kept. */
  readonly gram: Float64Array | null;
  /** Σx² per channel. */
  readonly sq: Float64Array;

  constructor(readonly channels: number, full: boolean) {
    this.sum = new Float64Array(channels);
    this.sq = new Float64Array(channels);
    this.gram = full ? new Float64Array(channels * channels) : null;
  }

  /** Adds one batch: `n` pixel vectors, their sum, and their Gram (full) or sums of squares. */
  add(n: number, sum: ArrayLike<number>, second: ArrayLike<number>): void {
    const C = this.channels;
    this.n += n;
    for (let i = 0; i < C; i++) this.sum[i] += sum[i];
    if (this.gram) {
      if (second.length !== C * C) throw new Error(`a Gram of ${second.length} values for ${C} channels`);
      for (let k = 0; k < C * C; k++) this.gram[k] += second[k];
      for (let i = 0; i < C; i++) this.sq[i] = this.gram[i * C + i];
    } else {
      for (let i = 0; i < C; i++) this.sq[i] += second[i];
    }
  }

  /** Σ over channels of Σ(x − mean)²: the centred energy. */
  centredEnergy(): number {
    let e = 0;
    for (let i = 0; i < this.channels; i++) e += this.sq[i] - (this.sum[i] * this.sum[i]) / Math.max(this.n, 1);
    return Math.max(e, 0);
  }
}

/** Running Σxyᵀ (Cx×Cy, row-major). */
export class CrossMoments {
  readonly xy: Float64Array;
  constructor(readonly cx: number, readonly cy: number) { this.xy = new Float64Array(cx * cy); }
  add(batch: ArrayLike<number>): void {
    if (batch.length !== this.xy.length) throw new Error(`a cross Gram of ${batch.length} values for ${this.cx}×${this.cy}`);
    for (let k = 0; k < this.xy.length; k++) this.xy[k] += batch[k];
  }
}

export interface FitData { x: Moments; y: Moments; xy: CrossMoments }

export interface StageFit {
  /** ‖Y − Ŷ‖² / ‖Y − mean(Y)‖² on the test data. */
  relError: number;
  /** The ridge λ used (absolute, on the covariance scale). */
  lambda: number;
}

/**
 * Fits Y ≈ Wᵀx + b on `fit` by ridge least squares on the covariances (λ = ridge × mean input
 * variance) and measures it on `test` from its sums: Σ‖y − Wᵀx − b‖² expanded into the test
 * data's n, Σx, Σy, Σxxᵀ, Σxyᵀ and Σy². Several targets of one input share a factorisation:
 * pass them together.
 */
export function fitStage(fitX: Moments, fitTargets: { y: Moments; xy: CrossMoments }[], testX: Moments, testTargets: { y: Moments; xy: CrossMoments }[], ridge: number): StageFit[] {
  const C = fitX.channels;
  if (!fitX.gram || !testX.gram) throw new Error('stage fits need the full Gram of the first block');
  if (fitX.n < 2 || testX.n < 1) throw new Error('too few samples to fit and test');
  const nf = fitX.n;
  const mx = Array.from(fitX.sum, (s) => s / nf);
  // Covariance of the inputs (+ ridge on the diagonal).
  const cov = new Matrix(C, C);
  let trace = 0;
  for (let i = 0; i < C; i++) {
    for (let j = 0; j < C; j++) cov.set(i, j, fitX.gram[i * C + j] / nf - mx[i] * mx[j]);
    trace += cov.get(i, i);
  }
  // Symmetrise exactly (float sums may differ in the last bit), as Cholesky insists.
  for (let i = 0; i < C; i++) for (let j = 0; j < i; j++) { const v = (cov.get(i, j) + cov.get(j, i)) / 2; cov.set(i, j, v); cov.set(j, i, v); }
  let lambda = Math.max(ridge * (trace / C), 1e-12);
  let chol: CholeskyDecomposition | null = null;
  for (let tries = 0; tries < 8; tries++) {
    const a = cov.clone();
    for (let i = 0; i < C; i++) a.set(i, i, a.get(i, i) + lambda);
    const c = new CholeskyDecomposition(a);
    if (c.isPositiveDefinite()) { chol = c; break; }
    lambda *= 10;
  }
  if (!chol) throw new Error('the first block\'s output covariance is not positive definite even with a strong ridge');
  return fitTargets.map((t, k) => {
    const K = t.y.channels;
    const my = Array.from(t.y.sum, (s) => s / nf);
    const cxy = new Matrix(C, K);
    for (let i = 0; i < C; i++) for (let j = 0; j < K; j++) cxy.set(i, j, t.xy.xy[i * K + j] / nf - mx[i] * my[j]);
    const W = chol!.solve(cxy);
    const b = my.map((m, j) => { let s = m; for (let i = 0; i < C; i++) s -= W.get(i, j) * mx[i]; return s; });
    return { relError: testError(W, b, testX, testTargets[k]), lambda };
  });
}

/** Relative error of Ŷ = Wᵀx + b on test sums. */
function testError(W: Matrix, b: number[], x: Moments, t: { y: Moments; xy: CrossMoments }): number {
  const C = x.channels, K = t.y.channels, n = x.n;
  const G = new Matrix(C, C);
  for (let i = 0; i < C; i++) G.setRow(i, x.gram!.subarray(i * C, (i + 1) * C));
  const GW = G.mmul(W);
  let quad = 0, cross = 0, yb = 0, wbx = 0, bb = 0, yy = 0;
  for (let i = 0; i < C; i++) {
    for (let j = 0; j < K; j++) {
      const w = W.get(i, j);
      quad += GW.get(i, j) * w;
      cross += w * t.xy.xy[i * K + j];
      wbx += w * b[j] * x.sum[i];
    }
  }
  for (let j = 0; j < K; j++) { yb += b[j] * t.y.sum[j]; bb += b[j] * b[j]; yy += t.y.sq[j]; }
  const err = yy - 2 * (cross + yb) + quad + 2 * wbx + n * bb;
  const energy = t.y.centredEnergy();
  if (!(energy > 0)) return err <= 1e-12 * Math.max(yy, 1) ? 0 : 1;
  return Math.max(err, 0) / energy;
}

export interface LayerFigures {
  cosineHistogram: number[];
  meanAbsCosine: number;
  nearDuplicateShare: number;
  ghostReconError: number | null;
  /** Channels constant on every sample, e.g. dead (left out of the similarities). */
  dead: number;
}

/**
 * Channel redundancy of one conv output from its moments. The cosine similarity of two channels
 * is over all pixels of all samples (maps flattened, as in the C-GhostNet comparison) with each
 * map's mean removed: a cheap operation is followed by a BatchNorm, so an offset costs nothing
 * and only the maps' shapes matter (without centring, any two maps of non-negative inputs look
 * alike). A channel "duplicates another" when its |cos| with a channel kept before it (in channel
 * order) reaches `threshold`; the share counts those duplicates, so C/2 exact pairs give 50%.
 */
export function layerFigures(m: Moments, threshold: number, ratio: number, bins = 20): LayerFigures {
  const C = m.channels, G = m.gram, n = m.n;
  if (!G) throw new Error('layer figures need the full Gram');
  // Covariances: the maps with their means removed.
  const mean = Array.from(m.sum, (s) => s / Math.max(n, 1));
  const cov = (i: number, j: number) => G[i * C + j] - n * mean[i] * mean[j];
  const norm = Array.from({ length: C }, (_, i) => Math.sqrt(Math.max(cov(i, i), 0)));
  // A constant map (zero variance, e.g. a dead channel) has no shape to compare.
  const live = norm.map((v, i) => (v > 1e-12 * Math.max(1, Math.abs(G[i * C + i])) ? i : -1)).filter((i) => i >= 0);
  const hist = new Array(bins).fill(0);
  let sum = 0, pairs = 0;
  const cos = (i: number, j: number) => Math.min(1, Math.abs(cov(i, j)) / (norm[i] * norm[j]));
  for (let a = 0; a < live.length; a++) {
    for (let b = a + 1; b < live.length; b++) {
      const c = cos(live[a], live[b]);
      hist[Math.min(bins - 1, Math.floor(c * bins))]++;
      sum += c;
      pairs++;
    }
  }
  const kept: number[] = [];
  let dups = 0;
  for (const j of live) {
    if (kept.some((i) => cos(i, j) >= threshold)) dups++;
    else kept.push(j);
  }
  return {
    cosineHistogram: hist,
    meanAbsCosine: pairs ? sum / pairs : 0,
    nearDuplicateShare: C ? dups / C : 0,
    ghostReconError: ghostRecon(m, ratio),
    dead: C - live.length,
  };
}

/**
 * Error of rebuilding every channel from `ceil(C/ratio)` intrinsic channels, each other channel
 * by an affine map of one intrinsic channel (least squares: residual = centred energy × (1 − ρ²),
 * ρ their correlation). The subset is chosen greedily (lazy greedy on this facility-location
 * objective, which is submodular). Relative to the layer's centred energy; null when it is zero.
 */
export function ghostRecon(m: Moments, ratio: number): number | null {
  const C = m.channels, G = m.gram!, n = m.n;
  const keep = Math.ceil(C / ratio);
  const mean = Array.from(m.sum, (s) => s / n);
  const energy = Array.from({ length: C }, (_, i) => Math.max(G[i * C + i] - n * mean[i] * mean[i], 0));
  const total = energy.reduce((t, e) => t + e, 0);
  if (!(total > 0)) return null;
  // residual[i][j]: energy of channel j left after the best affine map from channel i.
  const resid = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    for (let j = 0; j < C; j++) {
      if (i === j || energy[i] === 0) { resid[i * C + j] = i === j ? 0 : energy[j]; continue; }
      const cov = G[i * C + j] - n * mean[i] * mean[j];
      const r2 = energy[j] > 0 ? Math.min(1, (cov * cov) / (energy[i] * energy[j])) : 1;
      resid[i * C + j] = energy[j] * (1 - r2);
    }
  }
  const cur = energy.slice();
  const gain = (i: number) => { let g = 0; for (let j = 0; j < C; j++) { const d = cur[j] - resid[i * C + j]; if (d > 0) g += d; } return g; };
  // Max-heap of stale upper bounds (gains only shrink as the subset grows).
  const heap: [number, number][] = [];
  const push = (x: [number, number]) => { heap.push(x); let k = heap.length - 1; while (k > 0) { const p = (k - 1) >> 1; if (heap[p][0] >= heap[k][0]) break; [heap[p], heap[k]] = [heap[k], heap[p]]; k = p; } };
  const pop = (): [number, number] => {
    const top = heap[0], last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1, r = l + 1;
        let b = k;
        if (l < heap.length && heap[l][0] > heap[b][0]) b = l;
        if (r < heap.length && heap[r][0] > heap[b][0]) b = r;
        if (b === k) break;
        [heap[b], heap[k]] = [heap[k], heap[b]];
        k = b;
      }
    }
    return top;
  };
  for (let i = 0; i < C; i++) push([gain(i), i]);
  for (let picked = 0; picked < keep && heap.length;) {
    const [, i] = pop();
    const g = gain(i);
    if (heap.length && g < heap[0][0]) { push([g, i]); continue; }
    for (let j = 0; j < C; j++) cur[j] = Math.min(cur[j], resid[i * C + j]);
    picked++;
  }
  return cur.reduce((t, e) => t + e, 0) / total;
}
