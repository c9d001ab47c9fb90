// The trained weights an ONNX file holds, by module path and role (weight, bias, running_mean,
// running_var), read from the nodes that consume them: torch names folded weights `onnx::Conv_193`
// and GhostLens names them by state_dict, so the node (its module path, from the importer, and the
// input's position) is what says whose parameter a tensor is. Names are a fallback.
import type { OnnxImport } from '../onnx/import';
import { onnx, Attrs, tensorDims, numel, isExternal } from '../onnx/proto';

const DT = onnx.TensorProto.DataType;

export interface Param { dims: number[]; data: Float32Array }

/** The parameters of one module as the file holds them. */
export interface FileModule {
  path: string;
  op: string;
  params: Map<string, Param>;
  /** BatchNormalization's epsilon. */
  eps?: number;
}

export interface FileParams {
  modules: Map<string, FileModule>;
  /** Float initializers by name (GhostLens's and torch's unfolded exports use state_dict names). */
  byName: Map<string, Param>;
}

const ROLES: Record<string, string[]> = {
  Conv: ['', 'weight', 'bias'], ConvTranspose: ['', 'weight', 'bias'], BatchNormalization: ['', 'weight', 'bias', 'running_mean', 'running_var'],
  Gemm: ['', 'weight', 'bias'], LayerNormalization: ['', 'weight', 'bias'], InstanceNormalization: ['', 'weight', 'bias'], PRelu: ['', 'weight'],
};

export function floatData(t: onnx.ITensorProto): Float32Array | null {
  if (isExternal(t)) return null;
  const n = numel(tensorDims(t));
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  if (t.dataType === DT.FLOAT) {
    if (raw) { const c = new Uint8Array(raw); return new Float32Array(c.buffer, c.byteOffset, n); }
    return t.floatData && t.floatData.length === n ? Float32Array.from(t.floatData) : n === 0 ? new Float32Array(0) : null;
  }
  if (t.dataType === DT.DOUBLE) {
    if (raw) { const c = new Uint8Array(raw); return Float32Array.from(new Float64Array(c.buffer, c.byteOffset, n)); }
    return t.doubleData && t.doubleData.length === n ? Float32Array.from(t.doubleData) : null;
  }
  return null;
}

export function readFileParams(imp: OnnxImport): FileParams {
  const g = imp.model.graph!;
  const inits = new Map<string, onnx.ITensorProto>();
  for (const t of g.initializer ?? []) if (t.name) inits.set(t.name, t);
  // torch's deduplicated parameters are `Identity` nodes over one initializer.
  const alias = new Map<string, string>();
  for (const n of g.node ?? []) if (n.opType === 'Identity' && n.input?.[0] && inits.has(n.input[0]) && n.output?.[0]) alias.set(n.output[0], n.input[0]);
  const cache = new Map<string, Param | null>();
  const param = (v: string): Param | null => {
    const name = alias.get(v) ?? v;
    if (cache.has(name)) return cache.get(name)!;
    const t = inits.get(name);
    const data = t ? floatData(t) : null;
    const p = t && data ? { dims: tensorDims(t), data } : null;
    cache.set(name, p);
    return p;
  };
  const modules = new Map<string, FileModule>();
  (g.node ?? []).forEach((n, i) => {
    const path = imp.nodeModule[i];
    const roles = ROLES[n.opType ?? ''];
    if (path === null || path === undefined || !roles || modules.has(path)) return;
    const params = new Map<string, Param>();
    roles.forEach((role, k) => {
      const v = n.input?.[k];
      if (!role || !v) return;
      const p = param(v);
      if (p) params.set(role, p);
    });
    if (!params.size) return;
    const a = new Attrs(n);
    if (n.opType === 'Gemm') {
      // torch writes Linear as Gemm(x, W, b, transB=1); W stored [in, out] (transB=0) is transposed back.
      const w = params.get('weight');
      if (w && a.int('transB', 0) === 0 && w.dims.length === 2) params.set('weight', transpose2(w));
      const alpha = a.float('alpha', 1), beta = a.float('beta', 1);
      if (alpha !== 1 && w) params.set('weight', scale(params.get('weight')!, alpha));
      const b = params.get('bias');
      if (beta !== 1 && b) params.set('bias', scale(b, beta));
    }
    modules.set(path, { path, op: n.opType!, params, ...(n.opType === 'BatchNormalization' ? { eps: a.float('epsilon', 1e-5) } : {}) });
  });
  const byName = new Map<string, Param>();
  for (const name of inits.keys()) { const p = param(name); if (p) byName.set(name, p); }
  return { modules, byName };
}

function transpose2(p: Param): Param {
  const [r, c] = p.dims;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = p.data[i * c + j];
  return { dims: [c, r], data: out };
}

function scale(p: Param, s: number): Param { return { dims: p.dims, data: p.data.map((x) => x * s) }; }
