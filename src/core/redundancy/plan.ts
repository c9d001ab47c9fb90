// What to measure in an imported ONNX model: for each stage the first block's output and every
// later block's output, and every conv's output, found by module path (the importer rebuilt the
// paths from the node names). With the source's ModelGraph, its stages and convs are used (the
// paths the editor shows); what the file lacks is named in a note.
import type { ModelGraph, ModuleNode } from '../graph/model';
import type { OnnxImport } from '../onnx/import';
import { numel } from '../onnx/proto';
import { blockOutput } from '../graph/stages';

export interface TensorRef {
  value: string;
  shape: number[];
  elemType: number;
  channels: number;
  /** Pixel vectors per run at the batch the shapes were inferred at: numel / channels. */
  pixels: number;
}

export interface PlannedStage {
  stage: string;
  firstBlock: string;
  x: TensorRef;
  blocks: { path: string; y: TensorRef; /** Target channels measured (evenly spread), null = all. */ subset: number[] | null }[];
}

export interface PlannedLayer { path: string; t: TensorRef }

export interface Plan {
  stages: PlannedStage[];
  layers: PlannedLayer[];
  notes: string[];
}

export interface PlanOptions {
  /** Target channels per block measured at most (the solve costs C²·k). */
  maxTargets: number;
  /** Convs with more output channels are skipped (their Gram is C²). */
  maxLayerChannels: number;
}

export function makePlan(imp: OnnxImport, source: ModelGraph | null, o: PlanOptions): Plan {
  const notes: string[] = [];
  const g = source ?? imp.graph;
  const ref = (path: string): TensorRef | string => {
    const v = imp.values.get(path);
    if (!v) return `${path} is not in the ONNX file (no node is named after it)`;
    if (!v.output) return `${path} has no output in the ONNX file`;
    const f = imp.facts.get(v.output);
    if (!f?.shape) return `the output of ${path} has an unknown shape${f?.why ? ` (${f.why})` : ''}`;
    if (f.shape.length < 2) return `the output of ${path} has rank ${f.shape.length}`;
    return { value: v.output, shape: f.shape, elemType: f.elemType, channels: f.shape[1], pixels: numel(f.shape) / Math.max(f.shape[1], 1) };
  };
  const stages: PlannedStage[] = [];
  for (const st of g.stages) {
    // A block's output: the block's module, or a unit's last layer (its activation after the conv).
    const x = ref(blockOutput(st, 0));
    if (typeof x === 'string') { notes.push(`stage ${st.path} skipped: ${x}`); continue; }
    const blocks: PlannedStage['blocks'] = [];
    for (let i = 1; i < st.blocks.length; i++) {
      const b = st.blocks[i];
      const y = ref(blockOutput(st, i));
      if (typeof y === 'string') { notes.push(`stage ${st.path}: ${b} skipped: ${y}`); continue; }
      // A stage runs at one resolution after its first block; a block that does not cannot be
      // rebuilt pixel by pixel from it.
      if (y.shape.length !== x.shape.length || y.shape.slice(2).some((d, i) => d !== x.shape[2 + i]) || y.shape[0] !== x.shape[0]) {
        notes.push(`stage ${st.path}: ${b} skipped: its output ${y.shape.join('×')} is not at the first block's resolution (${x.shape.join('×')})`);
        continue;
      }
      const subset = y.channels > o.maxTargets ? Array.from({ length: o.maxTargets }, (_, i) => Math.floor((i * y.channels) / o.maxTargets)) : null;
      blocks.push({ path: b, y, subset });
    }
    if (blocks.length) stages.push({ stage: st.path, firstBlock: st.blocks[0], x, blocks });
  }
  if (stages.some((s) => s.blocks.some((b) => b.subset))) {
    notes.push(`blocks with more than ${o.maxTargets} channels: the reconstruction error is measured on ${o.maxTargets} evenly spread output channels (from all input channels)`);
  }
  const layers: PlannedLayer[] = [];
  const convs = g.modules.filter((m: ModuleNode) => m.leaf && /^Conv\dd$/.test(m.type));
  for (const c of convs) {
    const t = ref(c.path);
    if (typeof t === 'string') { notes.push(`conv ${c.path} skipped: ${t}`); continue; }
    if (t.channels > o.maxLayerChannels) { notes.push(`conv ${c.path} skipped: ${t.channels} channels (more than ${o.maxLayerChannels})`); continue; }
    layers.push({ path: c.path, t });
  }
  // A file whose exporter folded BatchNorm into the convs has conv outputs after their BatchNorm.
  const bnInSource = g.modules.some((m) => m.leaf && m.type.startsWith('BatchNorm'));
  const bnInFile = imp.graph.modules.some((m) => m.leaf && m.type.startsWith('BatchNorm'));
  if (source && bnInSource && !bnInFile) {
    notes.push('the file has no BatchNorm nodes (its exporter folded them into the convs): conv outputs include their BatchNorm');
  }
  return { stages, layers, notes };
}
