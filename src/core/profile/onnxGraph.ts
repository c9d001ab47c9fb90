// The parts of an ONNX model the profiler needs: node names, op types and the values each node
// reads and writes (to walk producers when mapping onnxruntime's renamed nodes back), and the
// graph inputs with their shapes and element types (to make random inputs). Read with
// onnx-proto; initializer data is never copied (protobufjs hands out views).
import { onnx } from 'onnx-proto';
import { decodeModel, OnnxFormatError } from '../onnx/proto';

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
}

export interface OnnxInput {
  name: string;
  /** ONNX TensorProto.DataType name, lower case (`float`, `int64`, ...); '' when not a tensor. */
  elemType: string;
  /** Dimensions; a string for a symbolic one (`batch`), null when unknown. */
  shape: (number | string | null)[] | null;
}

export interface OnnxGraphInfo {
  name: string;
  producer: string;
  opsets: { domain: string; version: number }[];
  nodes: OnnxNode[];
  /** Inputs that are not initializers (what a caller must feed). */
  inputs: OnnxInput[];
  outputs: string[];
  initializers: Set<string>;
}

/** The importer's decoding error: the same messages for a file that is not an ONNX model. */
export { OnnxFormatError as OnnxReadError };

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(onnx.TensorProto.DataType).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k.toLowerCase()]),
);

/** Decodes `bytes` as an ONNX ModelProto (OnnxReadError when it is not one) and indexes its graph. */
export function readOnnx(bytes: Uint8Array): OnnxGraphInfo {
  const m = decodeModel(bytes);
  const g = m.graph!;
  const gNodes = g.node!;
  const initializers = new Set<string>((g.initializer ?? []).map((t) => t.name ?? '').filter(Boolean));
  for (const s of g.sparseInitializer ?? []) if (s.values?.name) initializers.add(s.values.name);
  const nodes: OnnxNode[] = gNodes.map((n, i) => ({
    name: n.name || `${n.opType ?? 'node'}_${i}`,
    opType: n.opType ?? '',
    domain: n.domain ?? '',
    inputs: (n.input ?? []).slice(),
    outputs: (n.output ?? []).slice(),
  }));
  const inputs: OnnxInput[] = (g.input ?? []).filter((v) => v.name && !initializers.has(v.name)).map((v) => {
    const t = v.type?.tensorType;
    const dims = t?.shape?.dim;
    return {
      name: v.name!,
      elemType: t ? TYPE_NAMES[t.elemType ?? 0] ?? String(t.elemType) : '',
      shape: dims ? dims.map((d) => ((d as onnx.TensorShapeProto.Dimension).value === 'dimValue' ? toNum(d.dimValue) : d.dimParam ? d.dimParam : null)) : null,
    };
  });
  return {
    name: g.name ?? '',
    producer: m.producerName ?? '',
    opsets: (m.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version ?? 0) })),
    nodes, inputs, outputs: (g.output ?? []).map((o) => o.name ?? ''), initializers,
  };
}

/** protobufjs gives int64 as a number or a Long, depending on what is installed. */
function toNum(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return null;
}

/** Lookups over a graph: node by name, producer by value name. */
export class GraphIndex {
  readonly byName = new Map<string, OnnxNode>();
  readonly producerOf = new Map<string, OnnxNode>();
  readonly consumersOf = new Map<string, OnnxNode[]>();

  constructor(readonly info: OnnxGraphInfo) {
    for (const n of info.nodes) {
      if (!this.byName.has(n.name)) this.byName.set(n.name, n);
      for (const o of n.outputs) if (o) this.producerOf.set(o, n);
      for (const i of n.inputs) {
        if (!i || info.initializers.has(i)) continue;
        const list = this.consumersOf.get(i);
        if (list) list.push(n); else this.consumersOf.set(i, [n]);
      }
    }
  }
}
