// Where Ghost would pay: C-Ghost candidates (per conv) and G-Ghost candidates (per stage), with
// the predicted MACs and params after the rewrite, as plain data. The formulas follow the
// structures of GHOST.md / DESIGN.md that the rewrites generate.
import type { ModelGraph, ModuleNode, Stage } from '../graph/model';
import { blockModules, inBlock } from '../graph/stages';
import { convMacs } from '../catalogue/macs';

export interface GhostSettings {
  /** C-Ghost ratio s: m = ceil(out / s) intrinsic maps. */
  ratio: number;
  /** Depthwise kernel of the cheap operation. */
  dwSize: number;
  /** G-Ghost ghost ratio λ: the share of a stage's output channels made cheaply. */
  lambda: number;
  /** Stages need at least this many blocks (the paper uses ≥ 3: first, middle, last). */
  minStageBlocks: number;
  /** Convs need at least this many output channels. */
  minConvOut: number;
  /** Convs need a kernel at least this large (1 = pointwise convs too). */
  minKernel: number;
}

export const DEFAULT_GHOST: GhostSettings = { ratio: 2, dwSize: 3, lambda: 0.4, minStageBlocks: 3, minConvOut: 16, minKernel: 1 };

export interface Figures { macs: number; params: number }

export interface ConvCandidate {
  kind: 'conv';
  path: string;
  line: number; from: number; to: number;
  inChannels: number; outChannels: number; kernel: number[]; stride: number[];
  /** Path of the BatchNorm2d that follows the conv in the same Sequential, folded into the Ghost module. */
  bn: string | null;
  /** Path of the activation (ReLU) that follows, folded in when present. */
  act: string | null;
  before: Figures;
  after: Figures;
  /** Share of the model's MACs. */
  share: number;
}

export interface StageCandidate {
  kind: 'stage';
  path: string;
  line: number; from: number; to: number;
  blocks: number;
  resolution: [number, number];
  channels: number;
  /** Channels through the complex path ((1−λ)·C, rounded to the group width) and made cheaply. */
  raw: number;
  cheap: number;
  groupWidth: number;
  before: Figures;
  after: Figures;
  share: number;
}

export type Candidate = ConvCandidate | StageCandidate;

const prod = (xs: number[]) => xs.reduce((p, q) => p * q, 1);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const nums = (v: unknown): number[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null);

/** Params and MACs of GhostModule(inp, oup, k, ratio, dw, stride) at output spatial size `outHW` (batch included). */
export function ghostModuleFigures(inp: number, oup: number, kernel: number[], ratio: number, dw: number, outElemsPerChannel: number): Figures {
  const m = Math.ceil(oup / ratio);
  const cheap = m * (ratio - 1);
  const primary = m * inp * prod(kernel);
  const depthwise = cheap * dw * dw;
  return {
    // Primary conv and depthwise cheap conv (no bias), each followed by BatchNorm (2 params per channel).
    params: primary + 2 * m + depthwise + 2 * cheap,
    // Primary conv (m maps from inp) and the depthwise cheap conv (one input map per output).
    macs: convMacs(outElemsPerChannel * m, [m, inp, ...kernel]) + convMacs(outElemsPerChannel * cheap, [cheap, 1, dw, dw]),
  };
}

/** A conv can become a GhostModule with the same output shape: groups 1, odd kernel, 'same'-style padding, no dilation. */
export function convCandidate(g: ModelGraph, conv: ModuleNode, s: GhostSettings): ConvCandidate | null {
  if (conv.type !== 'Conv2d' || !conv.config || conv.ownMacs === null || !conv.outputShape || conv.outputShape.length !== 4) return null;
  const c = conv.config;
  const inp = num(c.in_channels), oup = num(c.out_channels), groups = num(c.groups);
  const k = nums(c.kernel_size), stride = nums(c.stride), pad = nums(c.padding), dil = nums(c.dilation);
  if (inp === null || oup === null || groups !== 1 || !k || !stride || !pad || !dil) return null;
  if (oup < s.minConvOut || Math.max(...k) < s.minKernel) return null;
  if (k.some((x, i) => x % 2 === 0 || pad[i] !== (x - 1) / 2) || dil.some((d) => d !== 1) || stride[0] !== stride[1] || k[0] !== k[1]) return null;
  if (c.padding_mode !== undefined && c.padding_mode !== 'zeros') return null;
  if (Math.ceil(oup / s.ratio) >= oup) return null;
  const { bn, act } = trailingBnAct(g, conv.path) ?? { bn: null, act: null };
  const bnParams = bn ? g.modules.find((m) => m.path === bn)!.ownParams : 0;
  const perChannel = conv.outputShape[0] * conv.outputShape[2] * conv.outputShape[3];
  const after = ghostModuleFigures(inp, oup, k, s.ratio, s.dwSize, perChannel);
  return {
    kind: 'conv', path: conv.path, line: conv.line, from: conv.from, to: conv.to,
    inChannels: inp, outChannels: oup, kernel: k, stride, bn, act,
    // A trailing BatchNorm (and ReLU) is folded into the GhostModule, which has its own.
    before: { macs: conv.ownMacs, params: conv.ownParams + bnParams },
    after,
    share: g.macs ? conv.ownMacs / g.macs : 0,
  };
}

/**
 * The BatchNorm2d (and ReLU) that close the container holding `conv`, right after it: what a
 * C-Ghost rewrite folds into the GhostModule (only trailing ones, so no later index moves).
 */
export function trailingBnAct(g: ModelGraph, conv: string): { bn: string; act: string | null } | null {
  const parent = g.modules.find((m) => m.children.includes(conv));
  if (!parent?.container) return null;
  const byPath = (p: string) => g.modules.find((m) => m.path === p);
  const rest = parent.children.slice(parent.children.indexOf(conv) + 1).map(byPath);
  const bnNode = rest[0];
  if (!bnNode || bnNode.type !== 'BatchNorm2d' || !bnNode.leaf || rest.length > 2) return null;
  if (bnNode.config?.affine === false || bnNode.config?.track_running_stats === false) return null;
  if (rest.length === 2 && (rest[1]?.type !== 'ReLU' || !rest[1].leaf)) return null;
  return { bn: bnNode.path, act: rest[1]?.path ?? null };
}

/**
 * Group width of a stage's blocks: channels per group of their grouped (non-depthwise) convs; 1
 * when none. `blocks` are module paths; each counts with its submodules.
 */
export function groupWidth(g: ModelGraph, blocks: string[]): number {
  let gw = 1;
  for (const m of g.modules) {
    if (!blocks.some((b) => m.path === b || m.path.startsWith(b + '.')) || !m.config || !m.type.startsWith('Conv')) continue;
    const groups = num(m.config.groups), inp = num(m.config.in_channels);
    if (groups && inp && groups > 1 && groups < inp) gw = Math.max(gw, inp / groups);
  }
  return gw;
}

/**
 * G-Ghost stage (GHOST.md): first block unchanged; middle blocks on `raw` channels; mix =
 * GAP → 1×1 (C + raw·(n−2) → cheap) → BN → ReLU → 1×1 (cheap → cheap) → BN; ghost path =
 * 1×1 conv cheap → cheap + BN on x0[:, raw:]; last block unchanged. Middle blocks' figures scale
 * with (raw/C)² (all their widths scale with the channel count).
 */
export function stageCandidate(g: ModelGraph, st: Stage, s: GhostSettings): StageCandidate | null {
  const n = st.blocks.length;
  if (n < s.minStageBlocks || st.macs === null) return null;
  // A block's figures: its module, or a flat unit's conv and the leaves after it.
  const blocks = st.blocks.map((_, i) => {
    const ms = blockModules(st, i).map((p) => g.modules.find((m) => m.path === p));
    if (ms.some((m) => !m || m.macs === null)) return null;
    const out = ms[ms.length - 1]!.outputShape;
    return { macs: ms.reduce((t, m) => t + (m!.macs as number), 0), params: ms.reduce((t, m) => t + m!.params, 0), outputShape: out };
  });
  if (blocks.some((b) => !b || !b.outputShape)) return null;
  const C = st.outChannels;
  const gw = groupWidth(g, st.blocks.flatMap((_, i) => blockModules(st, i)));
  // The rewrite rounds raw down to a quantum: the group width, and the block's narrowest width
  // ratio (a bottleneck's C/4) so that its inner widths stay integral.
  const q = lcm(gw, widthRatio(g, blockModules(st, 1), C));
  const raw = Math.max(q, Math.floor(Math.floor((1 - s.lambda) * C) / q) * q);
  const cheap = C - raw;
  if (cheap <= 0) return null;
  const [N, , H, W] = blocks[0]!.outputShape!;
  const midIdx = st.blocks.map((_, i) => i).slice(1, -1);
  // Middle blocks at raw channels: every width scales by raw/C, so dense convs and linears scale
  // with its square, depthwise convs, norms and biases linearly.
  const r = raw / C;
  let midMacs = 0, midParams = 0;
  for (const m of g.modules) {
    if (!m.leaf || !midIdx.some((i) => inBlock(m.path, st, i))) continue;
    const cfg = m.config ?? {};
    const groups = num(cfg.groups) ?? 1, inp = num(cfg.in_channels);
    const dense = /^(Conv|Linear)/.test(m.type) && !(groups > 1 && groups === inp);
    // The leaf's config lists `bias: null` when it has none (tensors are left out).
    const bias = cfg.bias === null ? 0 : (num(cfg.out_channels) ?? num(cfg.out_features) ?? 0);
    if (/^(Conv|Linear)/.test(m.type)) {
      midParams += (m.ownParams - bias) * (dense ? r * r : r) + bias * r;
      midMacs += (m.ownMacs ?? 0) * (dense ? r * r : r);
    } else if (/Norm|PReLU/.test(m.type)) midParams += m.ownParams * r;
    else { midParams += m.ownParams * r * r; midMacs += (m.ownMacs ?? 0) * r * r; }
  }
  // Parameters owned by non-leaf modules of the middle blocks (layer scales, ...) scale linearly.
  for (const i of midIdx) midParams += (blocks[i]!.params - g.modules.filter((m) => m.leaf && inBlock(m.path, st, i)).reduce((t, m) => t + m.ownParams, 0)) * r;
  const mixIn = C + raw * (n - 2);
  const mix = { params: mixIn * cheap + 2 * cheap + cheap * cheap + 2 * cheap, macs: N * (mixIn * cheap + cheap * cheap) };
  const ghost = { params: cheap * cheap + 2 * cheap, macs: N * H * W * cheap * cheap };
  const keep = { macs: blocks[0]!.macs + blocks[n - 1]!.macs, params: blocks[0]!.params + blocks[n - 1]!.params };
  const after = {
    macs: Math.round(keep.macs + midMacs + mix.macs + ghost.macs),
    params: Math.round(keep.params + midParams + mix.params + ghost.params),
  };
  return {
    kind: 'stage', path: st.path, line: st.line, from: st.from, to: st.to, blocks: n, resolution: st.resolution,
    channels: C, raw, cheap, groupWidth: gw,
    before: { macs: st.macs, params: st.params },
    after,
    share: g.macs ? st.macs / g.macs : 0,
  };
}

/** All candidates of a model, stages first, each list in source order. */
export function ghostCandidates(g: ModelGraph, s: GhostSettings = DEFAULT_GHOST): Candidate[] {
  // What a rewrite already made (GhostModule, GGhostStage) is not a candidate again.
  const ghostly = new Set(g.modules.filter((m) => m.type === 'GhostModule' || m.type === 'GGhostStage').map((m) => m.path));
  const inGhost = (p: string) => [...ghostly].some((q) => p === q || p.startsWith(q + '.') || (q === '' && p !== ''));
  const stages = g.stages.filter((st) => !inGhost(st.path) && !st.blocks.some(inGhost)).map((st) => stageCandidate(g, st, s)).filter((c): c is StageCandidate => c !== null);
  const convs = g.modules.filter((m) => !inGhost(m.path)).map((m) => convCandidate(g, m, s)).filter((c): c is ConvCandidate => c !== null);
  return [...stages, ...convs];
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/** C divided by the narrowest conv output width inside a block's modules (1 when none is narrower). */
function widthRatio(g: ModelGraph, block: string[], C: number): number {
  let min = C;
  for (const m of g.modules) {
    if (!block.some((b) => m.path.startsWith(b + '.') || (m.leaf && m.path === b)) || !m.config || !m.type.startsWith('Conv')) continue;
    const out = num(m.config.out_channels);
    if (out && out < min && C % out === 0) min = out;
  }
  return C / min;
}

export const pct = (before: number, after: number): number => (before ? (100 * (after - before)) / before : 0);
