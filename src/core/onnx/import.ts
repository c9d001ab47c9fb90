// ONNX file → ModelGraph, so that a user's exported model (real weights) is analysed like a .py
// file: shapes (importShapes.ts), parameters as the file holds them (a BatchNorm the exporter
// folded into its conv is the conv's bias), MACs by the project's convention (Conv,
// ConvTranspose, Gemm, MatMul), modules rebuilt from node names (naming.ts), leaf types
// from op types and stages by the same grouping as the source analysis.
// What an ONNX file cannot say: modules that ran no op (Identity, Dropout in eval) are absent,
// container classes are inferred (a module whose children are all indexed is a Sequential), and
// float buffers outside BatchNorm cannot be told from parameters.
import type { ModelGraph, ModuleNode, UnknownNote } from '../graph/model';
import { findStages } from '../graph/stages';
import { onnx, decodeModel, opsetOf, Attrs, isFloatType, numel, valueInfoShape, OnnxFormatError } from './proto';
import { inferShapes, einsumLetters, ValueFacts } from './importShapes';
import { IMPORTED_AS } from '../catalogue/layers';
import { convMacs, convTransposeMacs, linearMacs } from '../catalogue/macs';
import { Naming, namingOf, torchNodeScope, ghostlensNodeScope, ghostlensLeafHeads, mergeRepeatedCalls } from './naming';

export { OnnxFormatError as OnnxImportError };

export interface ImportOptions {
  /** Static shapes of the graph inputs, in order (fills symbolic dimensions). */
  input?: number[][];
}

export interface ModuleValues {
  /** ONNX values the module's last call read (not parameters or constants). */
  inputs: string[];
  /** The ONNX value its last call produced for the rest of the graph; null if none. */
  output: string | null;
}

export interface OnnxImport {
  graph: ModelGraph;
  model: onnx.ModelProto;
  opset: number;
  naming: Naming;
  facts: Map<string, ValueFacts>;
  values: Map<string, ModuleValues>;
  /** Graph inputs the caller feeds (initializers excluded), with the shapes used. */
  inputs: { name: string; shape: number[] | null; elemType: number }[];
  /** Module path of each node (by index in graph.node); null for parameter plumbing. */
  nodeModule: (string | null)[];
}

/** Inputs of an op that are data arguments (shapes, bounds, indices, running statistics), never parameters. */
const DATA_ARGS: Record<string, number[]> = {
  BatchNormalization: [3, 4], Clip: [1, 2], Pad: [1, 2, 3], Resize: [1, 2, 3], Upsample: [1], Reshape: [1], Slice: [1, 2, 3, 4],
  Expand: [1], Tile: [1], Split: [1], Squeeze: [1], Unsqueeze: [1], ReduceSum: [1], ReduceMean: [1], ReduceMax: [1], ReduceMin: [1],
  ReduceProd: [1], ReduceL1: [1], ReduceL2: [1], ReduceSumSquare: [1], ReduceLogSum: [1], ReduceLogSumExp: [1], TopK: [1],
  ConstantOfShape: [0], Range: [0, 1, 2], Gather: [1], GatherElements: [1], ScatterND: [1], ScatterElements: [1], OneHot: [0, 1, 2],
  CumSum: [1], Trilu: [1], Dropout: [1, 2],
};

/** Imports an ONNX model as a ModelGraph (throws OnnxImportError when the bytes are not a model). */
export function onnxToGraph(bytes: Uint8Array, name: string, opts: ImportOptions = {}): ModelGraph {
  return importOnnx(bytes, name, opts).graph;
}

export function importOnnx(bytes: Uint8Array, name: string, opts: ImportOptions = {}): OnnxImport {
  const model = decodeModel(bytes);
  const g = model.graph!;
  const opset = opsetOf(model);
  const nodes = g.node ?? [];
  const unknowns: UnknownNote[] = [];
  const note = (reason: string) => { if (!unknowns.some((u) => u.reason === reason)) unknowns.push({ line: 0, from: 0, to: 0, reason }); };

  // ── inputs and shapes ──
  const inits = new Map((g.initializer ?? []).filter((t) => t.name).map((t) => [t.name!, t]));
  const graphInputs = (g.input ?? []).filter((v) => v.name && !inits.has(v.name));
  if (opts.input && opts.input.length !== graphInputs.length) {
    throw new OnnxFormatError(`the model has ${graphInputs.length} input${graphInputs.length === 1 ? '' : 's'} (${graphInputs.map((v) => v.name).join(', ')}); ${opts.input.length} shape${opts.input.length === 1 ? '' : 's'} given`);
  }
  const inputShapes = new Map<string, number[] | null>();
  const inputWhy = new Map<string, string>();
  const inputs = graphInputs.map((v, i) => {
    const { elemType, dims } = valueInfoShape(v);
    let shape: number[] | null = null;
    const given = opts.input?.[i];
    if (given) {
      if (dims && dims.length !== given.length) throw new OnnxFormatError(`input ${v.name} has rank ${dims.length}; the shape given is ${given.join('x')}`);
      dims?.forEach((d, k) => {
        if (typeof d === 'number' && d !== given[k]) throw new OnnxFormatError(`input ${v.name} has a fixed dimension ${k} of ${d}; the shape given is ${given.join('x')}`);
      });
      shape = given.slice();
    } else if (!dims) {
      inputWhy.set(v.name!, `the input ${v.name} has no shape in the file (give one)`);
    } else {
      const symbolic = dims.map((d, k) => (typeof d === 'number' ? null : k)).filter((k): k is number => k !== null);
      if (symbolic.every((k) => k === 0)) {
        shape = dims.map((d) => (typeof d === 'number' ? d : 1));
        if (symbolic.length) note(`the input ${v.name} has a symbolic batch dimension${typeof dims[0] === 'string' ? ` '${dims[0]}'` : ''}: figures are for a batch of 1`);
      } else {
        inputWhy.set(v.name!, `the input ${v.name} has symbolic dimensions (${dims.map((d) => d ?? '?').join('x')}): give its shape`);
      }
    }
    inputShapes.set(v.name!, shape);
    return { name: v.name!, shape, elemType };
  });
  const { facts, failures } = inferShapes(g, opset, inputShapes, inputWhy);
  for (const [, why] of inputWhy) note(why);
  for (const f of failures.slice(0, 20)) note(`${f.node || f.opType}: ${f.reason}`);
  if (failures.length > 20) note(`… and ${failures.length - 20} more nodes whose shapes are unknown`);

  const names = nodes.map((n, i) => n.name || `${n.opType ?? 'node'}_${i}`);
  const naming = namingOf(model.producerName ?? '', names);

  // ── parameters: float initializers, and torch's Identity aliases of deduplicated ones ──
  const paramValue = new Set<string>();
  for (const [n, t] of inits) if (isFloatType(t.dataType ?? 0)) paramValue.add(n);
  const plumbing = new Set<number>();
  nodes.forEach((n, i) => {
    if (n.opType === 'Identity' && n.input?.[0] && paramValue.has(n.input[0]) && n.output?.[0]) {
      paramValue.add(n.output[0]);
      plumbing.add(i);
    }
  });
  const ghostConst = (v: string) => /\/c(_\d+)?$/.test(v);
  const isParamArg = (n: onnx.INodeProto, k: number, v: string): boolean => {
    if (!v || !paramValue.has(v) || (DATA_ARGS[n.opType ?? ''] ?? []).includes(k)) return false;
    const f = facts.get(v);
    return !!f && !!f.shape && f.shape.length > 0 && !(naming === 'ghostlens' && ghostConst(v));
  };

  // ── node → module ──
  const heads = naming === 'ghostlens' ? ghostlensLeafHeads(names) : new Set<string>();
  const scopes = names.map((nm, i) => (plumbing.has(i) ? null : naming === 'torch' ? torchNodeScope(nm) : ghostlensNodeScope(nm, heads)));
  const blockCalls = new Map<string, number>();
  if (naming === 'torch') {
    const all = new Set<string>();
    for (const s of scopes) if (s) for (const p of prefixes(s.path)) all.add(p);
    const signature = (p: string) => nodes.map((n, i) => {
      const s = scopes[i];
      if (!s || (s.path !== p && !s.path.startsWith(p + '.'))) return '';
      return `${s.path.slice(p.length)}:${n.opType}:${(n.input ?? []).filter((v, k) => isParamArg(n, k, v)).join(',')}`;
    }).filter(Boolean).join(';');
    const merges = mergeRepeatedCalls(all, signature);
    for (const [, [to, call]] of merges) blockCalls.set(to, Math.max(call, blockCalls.get(to) ?? 1));
    for (const s of scopes) {
      if (!s) continue;
      for (const [from, [to, call]] of merges) {
        if (s.path === from || s.path.startsWith(from + '.')) { s.path = to + s.path.slice(from.length); s.call = call; break; }
      }
    }
  }

  // ── per-node figures ──
  const counted = new Set<string>();
  const nodeParams = nodes.map((n, i) => {
    if (plumbing.has(i)) return 0;
    let p = 0;
    (n.input ?? []).forEach((v, k) => {
      if (!isParamArg(n, k, v) || counted.has(v)) return;
      counted.add(v);
      p += numel(facts.get(v)!.shape!);
    });
    return p;
  });
  const nodeMacs = nodes.map((n): { macs: number | null; why?: string } => macsOf(n, facts));

  // ── modules ──
  const order: string[] = [''];
  const kids = new Map<string, string[]>([['', []]]);
  const add = (p: string) => {
    if (kids.has(p)) return;
    const parent = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '';
    add(parent);
    kids.set(p, []);
    kids.get(parent)!.push(p);
    order.push(p);
  };
  for (const s of scopes) if (s) add(s.path);
  const own = new Map<string, number[]>(order.map((p) => [p, []]));
  scopes.forEach((s, i) => { if (s) own.get(s.path)!.push(i); });
  const subtree = (p: string): number[] => {
    const out: number[] = [];
    scopes.forEach((s, i) => { if (s && (p === '' || s.path === p || s.path.startsWith(p + '.'))) out.push(i); });
    return out;
  };
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => (n.input ?? []).forEach((v) => { if (v) { const l = consumers.get(v); if (l) l.push(i); else consumers.set(v, [i]); } }));
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name ?? ''));

  const values = new Map<string, ModuleValues>();
  const modules: ModuleNode[] = [];
  // Children first, so parents can sum them.
  const built = new Map<string, ModuleNode>();
  for (const p of [...order].reverse()) {
    const children = kids.get(p)!;
    const leaf = children.length === 0 && p !== '';
    const mine = own.get(p)!;
    const sub = subtree(p);
    // A leaf's calls are its nodes' call numbers; a block is called more than once only when its
    // own scope was merged (its nodes then carry that call number).
    const calls = leaf ? Math.max(1, ...mine.map((i) => scopes[i]!.call)) : blockCalls.get(p) ?? 1;
    const last = calls > 1 ? sub.filter((i) => scopes[i]!.call === calls) : sub;
    const io = moduleValues(last, nodes, consumers, graphOutputs, facts, paramValue);
    values.set(p, io);
    const ownParams = mine.reduce((t, i) => t + nodeParams[i], 0);
    const ownMacsParts = mine.map((i) => nodeMacs[i]);
    const ownMacs = ownMacsParts.some((m) => m.macs === null) ? null : ownMacsParts.reduce((t, m) => t + (m.macs as number), 0);
    const childNodes = children.map((c) => built.get(c)!);
    const macs = ownMacs === null || childNodes.some((c) => c.macs === null) ? null : ownMacs + childNodes.reduce((t, c) => t + (c.macs as number), 0);
    const m: ModuleNode = {
      path: p, type: 'Module', leaf, container: false,
      ownParams, params: ownParams + childNodes.reduce((t, c) => t + c.params, 0),
      ownMacs, macs, calls,
      inputShapes: io.inputs.map((v) => facts.get(v)?.shape ?? null),
      outputShape: io.output ? facts.get(io.output)?.shape ?? null : null,
      children: children.slice(), line: 0, from: 0, to: 0,
    };
    const unknownMacs = ownMacsParts.find((x) => x.macs === null);
    if (unknownMacs) m.unknown = unknownMacs.why;
    if (leaf) Object.assign(m, leafFacts(mine.map((i) => nodes[i]), facts, paramValue));
    else {
      // torch's containers (Sequential, ModuleList) index their children.
      m.container = p !== '' && children.length > 0 && children.every((c) => /^\d+$/.test(c.slice(c.lastIndexOf('.') + 1)));
      m.type = m.container ? 'Sequential' : 'Module';
    }
    built.set(p, m);
  }
  for (const p of order) modules.push(built.get(p)!);
  const root = built.get('')!;
  const outputs = (g.output ?? []).map((o) => facts.get(o.name ?? '')?.shape ?? null);
  const graph: ModelGraph = {
    file: name,
    model: name.replace(/^.*[\\/]/, ''),
    input: inputs.map((x) => x.shape ?? []),
    outputs: outputs.every((s): s is number[] => s !== null) ? outputs : null,
    params: root.params,
    macs: root.macs,
    complete: root.macs !== null && failures.length === 0 && inputs.every((x) => x.shape !== null),
    modules,
    stages: findStages(modules),
    unknowns,
  };
  return { graph, model, opset, naming, facts, values, inputs, nodeModule: scopes.map((s) => (s ? s.path : null)) };
}

/** `a.b.c` → `a`, `a.b`, `a.b.c` ('' → nothing). */
function prefixes(path: string): string[] {
  if (!path) return [];
  const atoms = path.split('.');
  return atoms.map((_, i) => atoms.slice(0, i + 1).join('.'));
}

/** MACs of one node by the project's convention; null (with why) when a needed shape is unknown. */
function macsOf(n: onnx.INodeProto, facts: Map<string, ValueFacts>): { macs: number | null; why?: string } {
  const op = n.opType ?? '';
  if (op !== 'Conv' && op !== 'ConvTranspose' && op !== 'Gemm' && op !== 'MatMul' && op !== 'Einsum') return { macs: 0 };
  const s = (v: string | undefined) => (v ? facts.get(v)?.shape ?? null : null);
  if (op === 'Einsum') {
    // Contracted pairwise, left to right; each step costs the product of its letters' sizes.
    const shapes = (n.input ?? []).map(s);
    const bad = (n.input ?? []).find((v, i) => !shapes[i]);
    if (bad !== undefined) return { macs: null, why: facts.get(bad)?.why ?? 'a shape is unknown' };
    try {
      const { terms, out, sizes } = einsumLetters(new Attrs(n).str('equation', ''), shapes as number[][]);
      let macs = 0, cur = terms[0];
      for (let i = 1; i < terms.length; i++) {
        const letters = new Set([...cur, ...terms[i]]);
        macs += [...letters].reduce((p, l) => p * sizes.get(l)!, 1);
        const later = new Set([...out, ...terms.slice(i + 1).join('')]);
        cur = [...letters].sort().filter((l) => later.has(l)).join('');
      }
      return { macs };
    } catch (e) {
      return { macs: null, why: (e as Error).message };
    }
  }
  const x = s(n.input?.[0]), w = s(n.input?.[1]), y = s(n.output?.[0]);
  const why = (v: string | undefined) => facts.get(v ?? '')?.why ?? 'a shape is unknown';
  if (op === 'Conv') {
    if (!y || !w) return { macs: null, why: why(!y ? n.output?.[0] : n.input?.[1]) };
    return { macs: convMacs(numel(y), w) };
  }
  if (op === 'ConvTranspose') {
    if (!x || !w) return { macs: null, why: why(!x ? n.input?.[0] : n.input?.[1]) };
    return { macs: convTransposeMacs(numel(x), w) };
  }
  // Gemm and MatMul: rows × in × out, with rows × out the output's elements.
  const out = y ? y[y.length - 1] : 1;
  if (op === 'Gemm') {
    if (!x || !y) return { macs: null, why: why(!x ? n.input?.[0] : n.output?.[0]) };
    const k = new Attrs(n).int('transA', 0) ? x[0] : x[x.length - 1];
    return { macs: linearMacs(numel(y) / out, k, out) };
  }
  if (!x || !y) return { macs: null, why: why(!x ? n.input?.[0] : n.output?.[0]) };
  return { macs: linearMacs(numel(y) / out, x.length ? x[x.length - 1] : 1, out) };
}

function moduleValues(idx: number[], nodes: onnx.INodeProto[], consumers: Map<string, number[]>, graphOutputs: Set<string>, facts: Map<string, ValueFacts>, params: Set<string>): ModuleValues {
  const inside = new Set(idx);
  const produced = new Set<string>();
  const inputs: string[] = [];
  let output: string | null = null;
  for (const i of idx) {
    for (const v of nodes[i].input ?? []) {
      if (!v || produced.has(v) || params.has(v) || facts.get(v)?.constant || inputs.includes(v)) continue;
      inputs.push(v);
    }
    for (const v of nodes[i].output ?? []) {
      if (!v) continue;
      produced.add(v);
      if (graphOutputs.has(v) || (consumers.get(v) ?? []).some((c) => !inside.has(c))) output = v;
    }
  }
  if (output === null && idx.length) output = nodes[idx[idx.length - 1]].output?.[0] ?? null;
  return { inputs, output };
}

/** The leaf's type (a torch.nn class name where the ops say which) and the configuration rewrites read. */
function leafFacts(ns: onnx.INodeProto[], facts: Map<string, ValueFacts>, params: Set<string>): Pick<ModuleNode, 'type' | 'config'> {
  const ops = ns.map((n) => n.opType ?? '').filter((o) => o !== 'Constant');
  const has = (o: string) => ops.includes(o);
  const rankOf = (v: string | undefined) => (v ? facts.get(v)?.shape?.length ?? null : null);
  const find = (o: string) => ns.find((n) => n.opType === o)!;
  const d = (n: onnx.INodeProto) => { const r = rankOf(n.input?.[0]); return r && r >= 3 ? `${r - 2}d` : r === 2 ? '1d' : '2d'; };
  for (const op of ['Conv', 'ConvTranspose']) {
    if (!has(op)) continue;
    const n = find(op);
    const a = new Attrs(n);
    const w = facts.get(n.input?.[1] ?? '')?.shape;
    const sp = w ? w.length - 2 : 2;
    const pads = a.ints('pads') ?? new Array(2 * sp).fill(0);
    const symmetric = a.str('auto_pad', 'NOTSET') === 'NOTSET' && pads.slice(0, sp).every((p, i) => p === pads[i + sp]);
    const group = a.int('group', 1);
    const transposed = op === 'ConvTranspose';
    return {
      type: `${op === 'Conv' ? 'Conv' : 'ConvTranspose'}${d(n)}`,
      config: w ? {
        in_channels: transposed ? w[0] : w[1] * group, out_channels: transposed ? w[1] * group : w[0], kernel_size: w.slice(2),
        stride: a.ints('strides') ?? new Array(sp).fill(1), padding: symmetric ? pads.slice(0, sp) : null,
        dilation: a.ints('dilations') ?? new Array(sp).fill(1), groups: group, padding_mode: 'zeros', transposed,
        bias: n.input?.[2] ? true : null, ...(symmetric ? {} : { pads, auto_pad: a.str('auto_pad', 'NOTSET') }),
      } : undefined,
    };
  }
  if (has('Gemm') || (has('MatMul') && ns.some((n) => n.opType === 'MatMul' && params.has(n.input?.[1] ?? '')))) {
    const n = has('Gemm') ? find('Gemm') : ns.find((x) => x.opType === 'MatMul' && params.has(x.input?.[1] ?? ''))!;
    const w = facts.get(n.input?.[1] ?? '')?.shape;
    const tB = n.opType === 'Gemm' && new Attrs(n).int('transB', 0) === 1;
    const bias = n.opType === 'Gemm' ? !!n.input?.[2] : ns.some((x) => x.opType === 'Add' && (x.input ?? []).some((v) => params.has(v)));
    return { type: 'Linear', config: w && w.length === 2 ? { in_features: tB ? w[1] : w[0], out_features: tB ? w[0] : w[1], bias: bias ? true : null } : undefined };
  }
  if (has('BatchNormalization')) {
    const n = find('BatchNormalization');
    const a = new Attrs(n);
    const c = facts.get(n.input?.[0] ?? '')?.shape?.[1];
    const r = rankOf(n.input?.[0]);
    return {
      type: `BatchNorm${r === 5 ? '3d' : r === 4 ? '2d' : '1d'}`,
      config: { num_features: c ?? null, eps: a.float('epsilon', 1e-5), momentum: Math.round((1 - a.float('momentum', 0.9)) * 1e6) / 1e6, affine: true, track_running_stats: true },
    };
  }
  if (has('LayerNormalization') || (has('ReduceMean') && has('Sqrt') && has('Div'))) return { type: 'LayerNorm' };
  if (has('InstanceNormalization') && has('Reshape')) return { type: 'GroupNorm' };
  if (has('InstanceNormalization')) return { type: `InstanceNorm${d(find('InstanceNormalization'))}` };
  if (has('GroupNormalization')) return { type: 'GroupNorm' };
  const pools: [string, string][] = [['MaxPool', 'MaxPool'], ['AveragePool', 'AvgPool'], ['LpPool', 'LPPool'], ['GlobalAveragePool', 'AdaptiveAvgPool'], ['GlobalMaxPool', 'AdaptiveMaxPool']];
  for (const [op, t] of pools) if (has(op)) return { type: `${t}${d(find(op))}` };
  if (has('Erf') || has('Gelu') || (has('Tanh') && has('Pow') && has('Mul'))) return { type: 'GELU' };
  if (has('Softplus') && has('Tanh') && has('Mul')) return { type: 'Mish' };
  if (has('Sigmoid') && has('Mul') && ops.length === 2) return { type: 'SiLU' };
  if (has('Clip')) {
    const n = find('Clip');
    const lo = facts.get(n.input?.[1] ?? '')?.value?.[0] ?? new Attrs(n).float('min', -Infinity);
    const hi = facts.get(n.input?.[2] ?? '')?.value?.[0] ?? new Attrs(n).float('max', Infinity);
    return { type: lo === 0 && hi === 6 ? 'ReLU6' : 'Hardtanh' };
  }
  // A leaf of one simple op: the catalogue's import mapping (Relu → ReLU, Resize → Upsample, ...).
  for (const op of ops) { const t = IMPORTED_AS.get(op); if (t) return { type: t }; }
  return { type: ops.length ? `onnx:${ops[0]}` : 'onnx:Constant' };
}
