// nn.MultiheadAttention: a non-leaf module (its out_proj is a child Linear that forward uses
// functionally). MACs follow torch's multi_head_attention_forward: input projections (packed when
// query, key and value are the same tensor), the two batched matmuls, and the output projection.
import { CATALOGUE } from '../../catalogue/layers';
import { Value, PyClass, PyInstance, PyTuple, Tensor, Unknown, ModuleState, CallContext } from '../values';
import type { Interpreter } from '../interp';
import { nf } from '../builtins';
import { parseSig, bindSig } from './layers';
import { mkTensor } from './tensor';

const SIG = parseSig(CATALOGUE.MultiheadAttention.sig);
const FWD = parseSig('query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True');

export function makeMultiheadAttention(it: Interpreter, Module: PyClass, Linear: PyClass, mkClass: (n: string, b: PyClass[]) => PyClass): PyClass {
  const cls = mkClass('MultiheadAttention', [Module]);
  const param = (shape: number[]) => { const p = mkTensor(shape); p.isParam = true; return p; };
  cls.dict.set('__init__', nf('__init__', (a, ctx) => {
    const m = a.pos[0] as PyInstance;
    m.module ??= new ModuleState();
    m.module.initialised = true;
    m.attrs.set('training', false);
    const c = bindSig('MultiheadAttention', SIG, a.pos.slice(1), a.kw, ctx);
    const E = c.get('embed_dim'), h = c.get('num_heads');
    if (typeof E !== 'number' || typeof h !== 'number') return ctx.raise('TypeError', 'embed_dim and num_heads must be integers');
    if (E % h) ctx.raise('AssertionError', 'embed_dim must be divisible by num_heads');
    const kdim = typeof c.get('kdim') === 'number' ? (c.get('kdim') as number) : E;
    const vdim = typeof c.get('vdim') === 'number' ? (c.get('vdim') as number) : E;
    const same = kdim === E && vdim === E;
    const set = (k: string, v: Value) => ctx.setattr(m, k, v);
    for (const [k, v] of [['embed_dim', E], ['kdim', kdim], ['vdim', vdim], ['_qkv_same_embed_dim', same], ['num_heads', h],
      ['dropout', c.get('dropout')!], ['batch_first', c.get('batch_first')!], ['head_dim', E / h], ['add_zero_attn', c.get('add_zero_attn')!]] as [string, Value][]) set(k, v);
    if (same) {
      set('in_proj_weight', param([3 * E, E]));
      for (const k of ['q_proj_weight', 'k_proj_weight', 'v_proj_weight']) m.module.params.set(k, null);
    } else {
      set('q_proj_weight', param([E, E])); set('k_proj_weight', param([E, kdim])); set('v_proj_weight', param([E, vdim]));
      m.module.params.set('in_proj_weight', null);
    }
    const bias = c.get('bias') !== false;
    if (bias) set('in_proj_bias', param([3 * E])); else m.module.params.set('in_proj_bias', null);
    set('out_proj', ctx.call(Linear, [E, E], new Map([['bias', bias]])));
    if (c.get('add_bias_kv') === true) { set('bias_k', param([1, 1, E])); set('bias_v', param([1, 1, E])); }
    else { set('bias_k', null); set('bias_v', null); }
    return null;
  }));
  cls.dict.set('forward', nf('forward', (a, ctx) => {
    const run = () => forward(a.pos[0] as PyInstance, bindSig('forward', FWD, a.pos.slice(1), a.kw, ctx), ctx);
    // One traced node: its out_proj runs inside, functionally.
    return it.tracer ? it.tracer.call('nn.MultiheadAttention', a.pos.slice(1), a.kw, ctx.at, run, a.pos[0] as PyInstance) : run();
  }));
  void it;
  return cls;
}

function forward(m: PyInstance, c: Map<string, Value>, ctx: CallContext): Value {
  const q = c.get('query')!, k = c.get('key')!, v = c.get('value')!;
  for (const x of [q, k, v]) if (x instanceof Unknown) return x;
  if (!(q instanceof Tensor) || !(k instanceof Tensor) || !(v instanceof Tensor)) return ctx.unknown('MultiheadAttention inputs are not tensors');
  const E = m.attrs.get('embed_dim') as number, h = m.attrs.get('num_heads') as number;
  const batchFirst = m.attrs.get('batch_first') === true;
  const batched = q.shape.length === 3;
  // (L, N, E) layout as torch computes it.
  const seq = (t: Tensor) => (batched ? (batchFirst ? t.shape[1] : t.shape[0]) : t.shape[0]);
  const N = batched ? (batchFirst ? q.shape[0] : q.shape[1]) : 1;
  const L = seq(q);
  let S = seq(k);
  if (q.shape[q.shape.length - 1] !== E) ctx.raise('AssertionError', `was expecting embedding dimension of ${E}, but got ${q.shape[q.shape.length - 1]}`);
  const kdim = m.attrs.get('kdim') as number, vdim = m.attrs.get('vdim') as number;
  let macs: number;
  if (m.attrs.get('_qkv_same_embed_dim') === true) {
    if (q === k && k === v) macs = L * N * E * 3 * E;
    else if (k === v) macs = L * N * E * E + S * N * E * 2 * E;
    else macs = L * N * E * E + 2 * S * N * E * E;
  } else macs = L * N * E * E + S * N * kdim * E + S * N * vdim * E;
  if (m.attrs.get('bias_k') instanceof Tensor) S += 1;
  if (m.attrs.get('add_zero_attn') === true) S += 1;
  macs += 2 * N * L * S * E; // q·kᵀ and attn·v over all heads
  macs += L * N * E * E; // output projection
  ctx.addMacs(macs);
  const out = mkTensor(q.shape.slice(), q.dtype);
  if (c.get('need_weights') === false) return new PyTuple([out, null]);
  const avg = c.get('average_attn_weights') !== false;
  const w = batched ? (avg ? [N, L, S] : [N, h, L, S]) : (avg ? [L, S] : [h, L, S]);
  return new PyTuple([out, mkTensor(w, q.dtype)]);
}
