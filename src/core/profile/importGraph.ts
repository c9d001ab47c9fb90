// The ModelGraph of a .onnx file (module paths and stages from its node names, by
// core/onnx/import), for per-layer names checked against the model's modules and per-stage times.
import type { ModelGraph } from '../graph/model';
import { onnxToGraph } from '../onnx/import';

export function importOnnxGraph(bytes: Uint8Array, name: string, input?: number[][]): { graph: ModelGraph | null; note?: string } {
  const graph = onnxToGraph(bytes, name, input ? { input } : {});
  return { graph, note: graph.stages.length ? undefined : 'the ONNX file\'s node names show no stages (runs of blocks at one resolution)' };
}
