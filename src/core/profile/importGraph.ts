// The ModelGraph of a .onnx file (module paths and stages from node names), for per-stage times
// of models given as ONNX. The importer lives in src/core/onnx/import.ts; until it is part of the
// build this answers null with the reason, and profiles of .onnx files have layers but no stages.
import type { ModelGraph } from '../graph/model';

export function importOnnxGraph(_bytes: Uint8Array, _name: string): { graph: ModelGraph | null; note?: string } {
  return { graph: null, note: 'per-stage times of a .onnx file need the ONNX importer, which this build does not have yet' };
}
