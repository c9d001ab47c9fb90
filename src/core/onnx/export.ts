// ModelGraph → ONNX: the analysed forward's op trace becomes an opset-17 graph with random
// weights (fast to make), static shapes (the analysed input) and nodes named by module path
// (`layer1.0.conv1`, extra nodes `layer1.0.conv1/Add`, functional ops `layer1.0/add_0`), so
// profiles map back to modules and source lines. Python is never needed.
import { onnx } from 'onnx-proto';
import type { OpTrace, TArg } from '../python/trace';
import { analyzeModel, AnalyzeOptions } from '../python/live';
import type { FileHost } from '../python/imports';
import type { ModelGraph } from '../graph/model';
import { GraphBuilder, ExportError, valueInfo } from './builder';
import { emitNode } from './ops';

export { ExportError };

export const OPSET = 17;

export interface OnnxExport {
  bytes: Uint8Array;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  /** ONNX nodes written. */
  nodes: number;
  /**
   * Buffers/constants whose values the static analysis does not know (filled with zeros or
   * random values): shapes and timing are right, output values are not.
   */
  unknownValues: string[];
}

export interface ExportOptions {
  /** Seed of the random weights (same seed, same bytes). */
  seed?: number;
  /** Graph name (the model expression). */
  name?: string;
}

/** Writes the trace as an ONNX model; throws ExportError naming what cannot be exported. */
export function traceToOnnx(trace: OpTrace, opts: ExportOptions = {}): OnnxExport {
  if (trace.problems.length) throw new ExportError(`the forward cannot be exported: ${trace.problems.join('; ')}`);
  if (!trace.output) throw new ExportError('the forward has no known output');
  const b = new GraphBuilder(trace, opts.seed ?? 1);
  const inputs = trace.inputs.map((id, i) => {
    const name = trace.inputs.length === 1 ? 'input' : `input_${i}`;
    b.bind(id, name);
    return { name, shape: trace.tensors[id].shape, dtype: trace.tensors[id].dtype };
  });
  for (const n of trace.nodes) {
    b.begin(n.module, n.scope, n.op);
    let outs: string[];
    try {
      outs = emitNode(b, n);
    } catch (e) {
      if (e instanceof ExportError) throw new ExportError(`${n.module ?? (n.scope || 'model')}: ${e.message}`);
      throw e;
    }
    const ids = flatTensors(n.out);
    if (outs.length !== ids.length) throw new ExportError(`${n.op} made ${outs.length} values for ${ids.length} results`);
    ids.forEach((id, i) => b.bind(id, outs[i]));
  }
  // Graph outputs: every tensor of the returned structure, in order.
  const outIds = flatTensors(trace.output);
  if (!outIds.length) throw new ExportError('the forward returns no tensor');
  b.begin(undefined, '', 'output');
  const outputs = outIds.map((id, i) => {
    const name = outIds.length === 1 ? 'output' : `output_${i}`;
    const src = b.value(id);
    b.nodes.push({ name: `/output_${i}`, opType: 'Identity', input: [src], output: [name] });
    return { name, shape: trace.tensors[id].shape, dtype: trace.tensors[id].dtype };
  });
  const graph: onnx.IGraphProto = {
    name: opts.name ?? 'ghostlens',
    node: b.nodes,
    initializer: b.inits,
    input: inputs.map((x) => valueInfo(x.name, x.dtype, x.shape)),
    output: outputs.map((x) => valueInfo(x.name, x.dtype, x.shape)),
  };
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'ghostlens',
    producerVersion: '0.1',
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  return {
    bytes,
    inputs: inputs.map(({ name, shape }) => ({ name, shape })),
    outputs: outputs.map(({ name, shape }) => ({ name, shape })),
    nodes: b.nodes.length,
    unknownValues: b.guessed,
  };
}

function flatTensors(a: TArg): number[] {
  if ('t' in a) return [a.t];
  if ('seq' in a) return a.seq.flatMap(flatTensors);
  if ('dict' in a) return a.dict.flatMap(([, v]) => flatTensors(v));
  return [];
}

/** Analyses a .py file and exports its model: what profiling runs without Python. */
export function sourceToOnnx(host: FileHost, path: string, text: string, opts: AnalyzeOptions & ExportOptions = {}): { graph: ModelGraph; bytes: Uint8Array; export: OnnxExport } {
  const live = analyzeModel(host, path, text, { ...opts, trace: true });
  if (!live.graph.complete) {
    const why = live.graph.unknowns[0]?.reason ?? 'some figures are unknown';
    throw new ExportError(`the analysis is incomplete, so the model cannot be exported (${why})`);
  }
  const ex = traceToOnnx(live.trace!, { ...opts, name: opts.name ?? live.graph.model });
  return { graph: live.graph, bytes: ex.bytes, export: ex };
}
