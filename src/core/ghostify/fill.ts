// The rewritten model's weights: every tensor of its state_dict (as the export's initializers,
// named by state_dict key) gets a value by one rule, and the rule is counted:
// - copied: the same module in the original file (by module path; a G-Ghost stage's first and
//   last blocks are the original ones), BatchNorm kept as the file holds it (its epsilon matched);
// - sliced: a G-Ghost middle block from the original block it replaces, leading channels;
// - set: a BatchNorm the file has not (its exporter folded it into the conv before it) becomes
//   the identity plus that conv's bias; a mix branch's last BatchNorm gets scale 0 (adds nothing);
// - fitted: the Ghost parts (a GhostModule's cheap conv, a G-Ghost stage's ghost path);
// - random: anything else stays at the export's seeded random init, and is listed.
import type { FileParams, Param } from './fileParams';
import { floatData } from './fileParams';
import { originOf, Site, ConvSite, StageSite } from './sites';
import type { LsqFit } from './fit';
import { rows, inputChannels } from './order';
import { onnx, Attrs, tensorDims } from '../onnx/proto';
import type { OnnxImport } from '../onnx/import';

export type Rule = 'copied' | 'sliced' | 'fitted' | 'set' | 'random';

export interface Filled {
  values: Map<string, Float32Array>;
  rules: Map<string, Rule>;
  /** Tensors left random that should have had a source (not the mix branch's own layers). */
  missing: string[];
}

export interface SiteFits {
  /** C-Ghost: per site path, a fit per ghost channel (d² weights + bias), in ghost order. */
  conv: Map<string, { w: Float32Array; b: Float32Array }>;
  /** G-Ghost: per stage path, W (raw..C inputs × raw..C outputs) and b. */
  stage: Map<string, LsqFit>;
}

/** `fitsOnly`: false gives the Ghost parts their random init (the copy-only baseline). */
export function fillWeights(rw: OnnxImport, file: FileParams, sites: Site[], fits: SiteFits, keys: Set<string>, withFits = true): Filled {
  const g = rw.model.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumer = new Map<string, onnx.INodeProto>();
  const producer = new Map<string, number>();
  (g.node ?? []).forEach((n, i) => {
    for (const v of n.input ?? []) if (inits.has(v) && !consumer.has(v)) consumer.set(v, n);
    for (const v of n.output ?? []) producer.set(v, i);
  });
  const values = new Map<string, Float32Array>();
  const rules = new Map<string, Rule>();
  const missing: string[] = [];
  const bnEps = (name: string) => { const n = consumer.get(name); return n?.opType === 'BatchNormalization' ? new Attrs(n).float('epsilon', 1e-5) : 1e-5; };

  // The conv feeding a BatchNorm in the rewritten graph, when it has no bias of its own.
  const feedingConv = (bnParam: string): string | null => {
    const n = consumer.get(bnParam);
    const p = n?.input?.[0] !== undefined ? producer.get(n.input[0]) : undefined;
    if (p === undefined) return null;
    const c = g.node![p];
    if (c.opType !== 'Conv' || (c.input?.[2] ?? '') !== '') return null;
    return rw.nodeModule[p];
  };
  const convBias = (origPath: string): Param | null => file.modules.get(origPath)?.params.get('bias') ?? null;

  for (const name of keys) {
    const t = inits.get(name);
    if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    const dims = tensorDims(t);
    const dot = name.lastIndexOf('.');
    const mod = name.slice(0, dot), leaf = name.slice(dot + 1);
    const origin = originOf(mod, sites);
    const put = (v: Float32Array | null, rule: Rule) => { if (v) { values.set(name, v); rules.set(name, rule); } return !!v; };
    if (origin.kind === 'site') {
      if (!withFits) { rules.set(name, 'random'); continue; }
      const done = origin.site.kind === 'conv'
        ? convSitePart(origin.site, origin.part, leaf, dims, file, fits, bnEps(name), put)
        : stageSitePart(origin.site, origin.part, leaf, dims, fits, put);
      if (!done) { rules.set(name, 'random'); if (!/^mix\.[0-4]$/.test(origin.part)) missing.push(name); }
      continue;
    }
    const sliced = origin.kind === 'sliced';
    const fm = file.modules.get(origin.path);
    const isBn = consumer.get(name)?.opType === 'BatchNormalization';
    if (isBn && fm?.op !== 'BatchNormalization') {
      // The file has no BatchNorm here: its exporter folded it into the conv before it.
      const n = consumer.get(name)!;
      const channels = dims[0];
      if (leaf === 'bias') {
        const cm = feedingConv(name);
        const co = cm ? originOf(cm, sites) : null;
        const b = co && co.kind !== 'site' ? convBias(co.path) : null;
        put(b ? lead(b, [channels]) ?? zeros(channels) : zeros(channels), 'set');
      } else put(identityBn(leaf, channels, new Attrs(n).float('epsilon', 1e-5)), 'set');
      continue;
    }
    const p = fm?.params.get(leaf) ?? file.byName.get(`${origin.path}.${leaf}`) ?? null;
    if (!p) { rules.set(name, 'random'); missing.push(name); continue; }
    let v = sameDims(p.dims, dims) ? p.data.slice() : sliced ? lead(p, dims) : null;
    if (v && isBn && leaf === 'running_var' && fm?.eps !== undefined) v = shiftVar(v, fm.eps, bnEps(name));
    if (!put(v, sliced && !sameDims(p.dims, dims) ? 'sliced' : 'copied')) { rules.set(name, 'random'); missing.push(`${name} (the file's ${origin.path}.${leaf} is ${p.dims.join('×')}, the rewritten ${dims.join('×')})`); }
  }
  // Reordered GhostModule outputs: what reads them takes its channels in the same order.
  if (withFits) {
    for (const site of sites) {
      if (site.kind !== 'conv' || !site.order || !site.consumers) continue;
      const order = site.order;
      for (const n of site.consumers.channelParams) { const v = values.get(n); if (v) values.set(n, Float32Array.from(order, (c) => v[c])); else missing.push(`${n} (to reorder for ${site.path})`); }
      for (const n of site.consumers.convWeights) {
        const v = values.get(n), t = inits.get(n);
        if (v && t) values.set(n, inputChannels(v, tensorDims(t), order)); else missing.push(`${n} (to reorder for ${site.path})`);
      }
    }
  }
  return { values, rules, missing };
}

type Put = (v: Float32Array | null, rule: Rule) => boolean;

function convSitePart(s: ConvSite, part: string, leaf: string, dims: number[], file: FileParams, fits: SiteFits, eps: number, put: Put): boolean {
  const m = s.intrinsic;
  const conv = file.modules.get(s.path);
  // The kept channels: the first m, or those the order puts first (order.ts).
  const pick = (p: Param, n: number) => (s.order ? rows(p, s.order.slice(0, n)) : lead(p, [n, ...p.dims.slice(1)]));
  if (part === 'primary.0' && leaf === 'weight') {
    const w = conv?.params.get('weight');
    return !!w && w.dims.slice(1).every((d, i) => d === dims[i + 1]) && put(pick(w, m), 'copied');
  }
  if (part === 'primary.1') {
    const bn = s.bn ? file.modules.get(s.bn) : undefined;
    const bias = conv?.params.get('bias') ?? null;
    if (bn?.op === 'BatchNormalization') {
      const p = bn.params.get(leaf);
      let v = p ? pick(p, m) : null;
      if (v && leaf === 'running_var') v = shiftVar(v, bn.eps ?? 1e-5, eps);
      // A conv bias before the BatchNorm moves into its mean (the primary conv has none).
      if (v && leaf === 'running_mean' && bias) { const bv = pick(bias, m)!; for (let i = 0; i < m; i++) v[i] -= bv[i]; }
      return put(v, 'copied');
    }
    if (leaf === 'bias') return put(bias ? pick(bias, m) : zeros(m), 'set');
    return put(identityBn(leaf, m, eps), 'set');
  }
  const fit = fits.conv.get(s.path);
  if (!fit) return false;
  const ghosts = dims[0];
  if (part === 'cheap.0' && leaf === 'weight') {
    const k = s.dw * s.dw;
    const w = new Float32Array(ghosts * k);
    w.set(fit.w.subarray(0, Math.min(fit.w.length, w.length)));
    return put(w, 'fitted');
  }
  if (part === 'cheap.1') {
    if (leaf === 'bias') { const b = new Float32Array(ghosts); b.set(fit.b.subarray(0, Math.min(fit.b.length, ghosts))); return put(b, 'fitted'); }
    return put(identityBn(leaf, ghosts, eps), 'set');
  }
  return false;
}

function stageSitePart(s: StageSite, part: string, leaf: string, dims: number[], fits: SiteFits, put: Put): boolean {
  const cheap = s.channels - s.raw;
  if (part === 'mix.5') return put(leaf === 'running_var' ? ones(cheap) : zeros(cheap), 'set');
  const fit = fits.stage.get(s.path);
  if (!fit) return false;
  if (part === 'ghost.0' && leaf === 'weight' && dims[0] === cheap && dims[1] === cheap) {
    const w = new Float32Array(cheap * cheap);
    for (let i = 0; i < cheap; i++) for (let j = 0; j < cheap; j++) w[j * cheap + i] = fit.w[i * cheap + j];
    return put(w, 'fitted');
  }
  if (part === 'ghost.1') return put(leaf === 'bias' ? Float32Array.from(fit.b) : identityBn(leaf, cheap, 0), leaf === 'bias' ? 'fitted' : 'set');
  return false;
}

/** A BatchNorm that computes x (eval): weight 1, mean 0, var 1 − eps, so that var + eps = 1. */
function identityBn(leaf: string, c: number, eps: number): Float32Array | null {
  if (leaf === 'weight') return ones(c);
  if (leaf === 'bias' || leaf === 'running_mean') return zeros(c);
  if (leaf === 'running_var') return new Float32Array(c).fill(1 - eps);
  return null;
}

/** Running variance for another epsilon: var + eps is what normalises. */
function shiftVar(v: Float32Array, from: number, to: number): Float32Array {
  return from === to ? v : v.map((x) => Math.max(x + from - to, 0));
}

const zeros = (n: number) => new Float32Array(n);
const ones = (n: number) => new Float32Array(n).fill(1);
const sameDims = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The leading block of `p` of shape `dims` (every dimension at most p's); null when it does not fit. */
export function lead(p: Param, dims: number[]): Float32Array | null {
  if (p.dims.length !== dims.length || dims.some((d, i) => d > p.dims[i])) return null;
  const out = new Float32Array(dims.reduce((a, d) => a * d, 1));
  const r = dims.length;
  const strides = new Array(r).fill(1);
  for (let i = r - 2; i >= 0; i--) strides[i] = strides[i + 1] * p.dims[i + 1];
  const idx = new Array(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < r; i++) src += idx[i] * strides[i];
    out[o] = p.data[src];
    for (let i = r - 1; i >= 0; i--) { if (++idx[i] < dims[i]) break; idx[i] = 0; }
  }
  return out;
}

/** The model with `values` written into its initializers (a copy; `model` is not changed). */
export function withValues(model: onnx.ModelProto, values: Map<string, Float32Array>): Uint8Array {
  const g = model.graph!;
  const saved = (g.initializer ?? []).map((t) => [t, t.rawData, t.floatData] as const);
  for (const t of g.initializer ?? []) {
    const v = values.get(t.name ?? '');
    if (!v) continue;
    t.rawData = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    t.floatData = [];
  }
  try { return onnx.ModelProto.encode(model).finish(); } finally {
    for (const [t, raw, fl] of saved) { t.rawData = raw; t.floatData = fl; }
  }
}

/** The value of an initializer of the export (what stays random). */
export function initValue(model: onnx.ModelProto, name: string): Float32Array | null {
  const t = (model.graph!.initializer ?? []).find((x) => x.name === name);
  return t ? floatData(t) : null;
}
