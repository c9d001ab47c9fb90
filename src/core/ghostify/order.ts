// Which of a conv's filters a GhostModule keeps as its primary (intrinsic) maps, and which kept
// map each other channel is rebuilt from. The module's output order is fixed (intrinsic maps
// first, then s−1 ghosts of each in turn), so a choice other than "the first m" reorders the
// channels — possible only where the output reaches nothing but per-channel ops (BatchNorm,
// activations) and convs, whose input channels are permuted to match (`consumers`).
// Criterion (no extra pass over the data): the |cosine| of the filters themselves — a filter that
// is a scaled copy of another makes a map that is a scaled copy (exactly what the cheap op
// rebuilds) — kept greedily to cover the others best (facility location on 1 − cos²), each other
// channel then paired to a kept one with room left, most similar pairs first.
import type { OnnxImport } from '../onnx/import';
import { Attrs } from '../onnx/proto';
import type { Param } from './fileParams';

/** The new channel order: position → original channel (length oup), or null for the identity. */
export function chooseOrder(w: Param, intrinsic: number, ratio: number): number[] | null {
  const C = w.dims[0], fan = w.data.length / C, m = intrinsic, g = ratio - 1;
  if (C - m > m * g || C <= m) return null;
  const norm = new Float64Array(C);
  for (let i = 0; i < C; i++) { let s = 0; for (let k = 0; k < fan; k++) s += w.data[i * fan + k] ** 2; norm[i] = Math.sqrt(s); }
  // resid[i·C + j]: the share of filter j left after the best scaled copy of filter i.
  const resid = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    for (let j = i; j < C; j++) {
      let dot = 0;
      for (let k = 0; k < fan; k++) dot += w.data[i * fan + k] * w.data[j * fan + k];
      const c2 = norm[i] > 0 && norm[j] > 0 ? Math.min(1, (dot * dot) / (norm[i] * norm[i] * norm[j] * norm[j])) : i === j ? 1 : 0;
      resid[i * C + j] = resid[j * C + i] = i === j ? 0 : 1 - c2;
    }
  }
  // Greedy kept set (each pick covers the channels it rebuilds best).
  const cur = new Float64Array(C).fill(1);
  const kept: number[] = [];
  const isKept = new Uint8Array(C);
  for (let t = 0; t < m; t++) {
    let best = -1, gain = -1;
    for (let i = 0; i < C; i++) {
      if (isKept[i]) continue;
      let s = 0;
      for (let j = 0; j < C; j++) { const d = cur[j] - resid[i * C + j]; if (d > 0) s += d; }
      if (s > gain) { gain = s; best = i; }
    }
    kept.push(best);
    isKept[best] = 1;
    for (let j = 0; j < C; j++) cur[j] = Math.min(cur[j], resid[best * C + j]);
  }
  kept.sort((a, b) => a - b);
  // Pair the others, most similar first, each kept channel taking at most s − 1.
  const pairs: [number, number, number][] = [];
  kept.forEach((i, t) => { for (let j = 0; j < C; j++) if (!isKept[j]) pairs.push([resid[i * C + j], t, j]); });
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const ghosts: number[][] = kept.map(() => []);
  const paired = new Uint8Array(C);
  for (const [, t, j] of pairs) if (!paired[j] && ghosts[t].length < g) { ghosts[t].push(j); paired[j] = 1; }
  // Positions m + t(s−1) + r must be filled up to C: the kept channels with fewer ghosts go last.
  const byCount = kept.map((_, t) => t).sort((a, b) => ghosts[b].length - ghosts[a].length || a - b);
  if (byCount.some((t, k) => k < byCount.length - 1 && ghosts[t].length < g && byCount.slice(k + 1).some((u) => ghosts[u].length > 0))) return null;
  const order = [...byCount.map((t) => kept[t]), ...byCount.flatMap((t) => ghosts[t].slice().sort((a, b) => a - b))];
  if (order.length !== C) return null;
  return order.every((c, i) => c === i) ? null : order;
}

/** What a reordered output reaches: per-channel tensors to permute (BatchNorm's four) and convs' weights (input channels). */
export interface Consumers { channelParams: string[]; convWeights: string[] }

const PER_CHANNEL_OPS = new Set(['Relu', 'Clip', 'Sigmoid', 'Tanh', 'LeakyRelu', 'HardSwish', 'HardSigmoid', 'Elu', 'Selu', 'Softplus', 'Identity']);

/**
 * The consumers of `value` in the rewritten model if they are only per-channel ops followed by
 * group-1 convs (then the channels may be reordered), else null (a residual add, a pool, an
 * output: the order is fixed).
 */
export function permutableConsumers(rw: OnnxImport, value: string): Consumers | null {
  const g = rw.model.graph!;
  const nodes = g.node ?? [];
  const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const outputs = new Set((g.output ?? []).map((o) => o.name ?? ''));
  const readers = new Map<string, number[]>();
  nodes.forEach((n, i) => (n.input ?? []).forEach((v) => { const l = readers.get(v); if (l) l.push(i); else readers.set(v, [i]); }));
  const out: Consumers = { channelParams: [], convWeights: [] };
  const seen = new Set<string>();
  const todo = [value];
  while (todo.length) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (outputs.has(v)) return null;
    for (const i of readers.get(v) ?? []) {
      const n = nodes[i];
      const ins = n.input ?? [];
      if (n.opType === 'Conv') {
        if (ins[0] !== v || new Attrs(n).int('group', 1) !== 1 || !inits.has(ins[1])) return null;
        out.convWeights.push(ins[1]);
      } else if (n.opType === 'BatchNormalization') {
        if (ins[0] !== v || ins.slice(1, 5).some((p) => !inits.has(p))) return null;
        out.channelParams.push(...ins.slice(1, 5));
        todo.push(n.output![0]);
      } else if (PER_CHANNEL_OPS.has(n.opType ?? '')) {
        // Clip's bounds and LeakyRelu's slope are scalars: the op treats every channel alike.
        if (ins[0] !== v || ins.slice(1).some((p) => p === v)) return null;
        todo.push(n.output![0]);
      } else return null;
    }
  }
  return out.convWeights.length ? out : null;
}

/** Rows of `p` (its first dimension) in `order`. */
export function rows(p: Param, order: number[]): Float32Array {
  const fan = p.data.length / p.dims[0];
  const out = new Float32Array(order.length * fan);
  order.forEach((r, i) => out.set(p.data.subarray(r * fan, (r + 1) * fan), i * fan));
  return out;
}

/** A conv weight [O, I, …] with its input channels in `order`. */
export function inputChannels(data: Float32Array, dims: number[], order: number[]): Float32Array {
  const [O, I] = dims, k = data.length / (O * I);
  const out = new Float32Array(data.length);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) out.set(data.subarray((o * I + order[i]) * k, (o * I + order[i] + 1) * k), (o * I + i) * k);
  return out;
}
