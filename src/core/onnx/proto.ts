// Small helpers over onnx-proto's decoded messages: decoding with a clear error, int64 values
// (number or Long), attributes by name, and the values of small tensors. Shared by the importer
// and the redundancy surgery; the exporter has its own builder.
import { onnx } from 'onnx-proto';

export { onnx };

export class OnnxFormatError extends Error {}

/** Decodes `bytes` as an ONNX ModelProto; OnnxFormatError when it is not one. */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  if (!bytes.length) throw new OnnxFormatError('the file is empty');
  let m: onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxFormatError(`not an ONNX model (protobuf: ${(e as Error).message})`);
  }
  // Random bytes can decode "successfully" into an empty message: insist on a graph with nodes.
  if (!m.graph || !m.graph.node || !m.graph.node.length) throw new OnnxFormatError('not an ONNX model (no graph nodes)');
  return m;
}

/** protobufjs hands out int64 as a number or a Long, depending on what is installed. */
export function int(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

/** The opset version of a domain ('' = the default ONNX domain); 0 when not imported. */
export function opsetOf(m: onnx.IModelProto, domain = ''): number {
  const o = (m.opsetImport ?? []).find((x) => (x.domain ?? '') === domain || (domain === '' && x.domain === 'ai.onnx'));
  return o ? int(o.version) : 0;
}

/** Attributes of a node by name. */
export class Attrs {
  private readonly map = new Map<string, onnx.IAttributeProto>();
  constructor(node: onnx.INodeProto) { for (const a of node.attribute ?? []) if (a.name) this.map.set(a.name, a); }
  has(name: string): boolean { return this.map.has(name); }
  int(name: string, dflt: number): number { const a = this.map.get(name); return a && a.i !== undefined && a.i !== null ? int(a.i) : dflt; }
  ints(name: string): number[] | null { const a = this.map.get(name); return a?.ints && a.type === onnx.AttributeProto.AttributeType.INTS ? a.ints.map(int) : null; }
  float(name: string, dflt: number): number { const a = this.map.get(name); return a && typeof a.f === 'number' && a.type === onnx.AttributeProto.AttributeType.FLOAT ? a.f : dflt; }
  floats(name: string): number[] | null { const a = this.map.get(name); return a?.floats && a.type === onnx.AttributeProto.AttributeType.FLOATS ? [...a.floats] : null; }
  str(name: string, dflt: string): string { const a = this.map.get(name); return a?.s ? Buffer.from(a.s).toString('utf8') : dflt; }
  tensor(name: string): onnx.ITensorProto | null { return this.map.get(name)?.t ?? null; }
}

const DT = onnx.TensorProto.DataType;

export const isFloatType = (t: number): boolean => t === DT.FLOAT || t === DT.DOUBLE || t === DT.FLOAT16 || t === DT.BFLOAT16;

export const tensorDims = (t: onnx.ITensorProto): number[] => (t.dims ?? []).map(int);

export const numel = (dims: number[]): number => dims.reduce((p, d) => p * d, 1);

/** True when the tensor's data lives in a file beside the model (large models). */
export const isExternal = (t: onnx.ITensorProto): boolean => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;

/**
 * The values of a tensor with at most `limit` elements (shape arguments, scalars), as numbers;
 * null when it is larger, stored outside the file, or of a type read here never.
 */
export function tensorValues(t: onnx.ITensorProto, limit = 4096): number[] | null {
  const n = numel(tensorDims(t));
  if (n > limit || isExternal(t)) return null;
  const type = t.dataType ?? 0;
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: number[] = [];
    const step = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.INT64]: 8, [DT.INT32]: 4, [DT.INT8]: 1, [DT.UINT8]: 1, [DT.BOOL]: 1, [DT.INT16]: 2 }[type];
    if (!step || raw.byteLength < n * step) return null;
    for (let i = 0; i < n; i++) {
      const o = i * step;
      switch (type) {
        case DT.FLOAT: out.push(view.getFloat32(o, true)); break;
        case DT.DOUBLE: out.push(view.getFloat64(o, true)); break;
        case DT.INT64: out.push(Number(view.getBigInt64(o, true))); break;
        case DT.INT32: out.push(view.getInt32(o, true)); break;
        case DT.INT16: out.push(view.getInt16(o, true)); break;
        case DT.INT8: out.push(view.getInt8(o)); break;
        default: out.push(view.getUint8(o)); break;
      }
    }
    return out;
  }
  let vals: number[] | null = null;
  if (type === DT.FLOAT || type === DT.COMPLEX64) vals = t.floatData ? [...t.floatData] : null;
  else if (type === DT.DOUBLE) vals = t.doubleData ? [...t.doubleData] : null;
  else if (type === DT.INT64) vals = t.int64Data ? t.int64Data.map(int) : null;
  else if (type === DT.INT32 || type === DT.INT16 || type === DT.INT8 || type === DT.UINT8 || type === DT.BOOL || type === DT.UINT16) vals = t.int32Data ? [...t.int32Data] : null;
  if (!vals) return n === 0 ? [] : null;
  return vals.length === n ? vals : null;
}

/** Element type and static dims of a ValueInfoProto (a symbolic dim is its name, an absent one null). */
export function valueInfoShape(v: onnx.IValueInfoProto): { elemType: number; dims: (number | string | null)[] | null } {
  const t = v.type?.tensorType;
  if (!t) return { elemType: 0, dims: null };
  const dims = t.shape?.dim ? t.shape.dim.map(dimOf) : null;
  return { elemType: t.elemType ?? 0, dims };
}

function dimOf(d: onnx.TensorShapeProto.IDimension): number | string | null {
  // Decoded messages say which oneof member is set; plain objects just have it.
  const which = (d as onnx.TensorShapeProto.Dimension).value;
  if (which === 'dimValue') return int(d.dimValue);
  if (which === 'dimParam') return d.dimParam || null;
  if (Object.prototype.hasOwnProperty.call(d, 'dimValue') && d.dimValue !== null && d.dimValue !== undefined) return int(d.dimValue);
  return d.dimParam || null;
}
