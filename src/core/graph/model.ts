// The ModelGraph: what every consumer (CLI, diagnostics, rewrites, ONNX export, panel) reads.
// Module paths are PyTorch's named_modules() names; offsets are 0-based UTF-16 into the file.

export interface SourceRef {
  /** 1-based line in the analysed file (0 when the module has no site there). */
  line: number;
  from: number;
  to: number;
}

export interface ModuleNode extends SourceRef {
  path: string;
  type: string;
  leaf: boolean;
  /** An nn.Sequential / ModuleList / ModuleDict (or a subclass). */
  container: boolean;
  /** Parameters owned by this module itself (recurse=False). */
  ownParams: number;
  /** Parameters of the whole subtree, each counted once. */
  params: number;
  /** MACs counted while this module itself ran (leaf: all of its MACs); null = unknown. */
  ownMacs: number | null;
  /** MACs of the subtree; null = unknown. */
  macs: number | null;
  calls: number;
  inputShapes: (number[] | null)[];
  /** Output of the last call: its first tensor when it returns several (a tuple, a channel split). */
  outputShape: number[] | null;
  /** Every tensor of the last call's output, in order, when it returned more than one. */
  outputShapes?: number[][];
  children: string[];
  /** Why this module's figures are unknown, if they are. */
  unknown?: string;
  /** Construction arguments that matter to rewrites (conv/linear/bn configuration). */
  config?: Record<string, unknown>;
}

export interface Stage extends SourceRef {
  /** A module path, or `container[i:j]` for a run inside a container. */
  path: string;
  container: string;
  /**
   * The stage's elements in order: block modules, or for a stage of units each unit's module
   * (a flat unit: its conv; `members` then lists the conv and the leaves after it).
   */
  blocks: string[];
  /** Absent: blocks (multi-layer modules); 'units': one conv (+ norm/activation) each. */
  kind?: 'units';
  /** Flat units only: the module paths of each unit, conv first (blocks[i] === members[i][0]). */
  members?: string[][];
  resolution: [number, number];
  inChannels: number | null;
  outChannels: number;
  params: number;
  macs: number | null;
}

export interface UnknownNote {
  line: number;
  from: number;
  to: number;
  reason: string;
  /** Set when the site is in another file than the analysed one. */
  file?: string;
}

/** A class defined in the analysed file: its `class` statement and its `forward` (0-based offsets, 1-based lines). */
export interface ClassSpan {
  name: string;
  line: number; from: number; to: number;
  forward: { line: number; from: number; to: number } | null;
}

export interface ModelGraph {
  file: string;
  model: string;
  input: number[][];
  outputs: number[][] | null;
  params: number;
  macs: number | null;
  complete: boolean;
  modules: ModuleNode[];
  stages: Stage[];
  unknowns: UnknownNote[];
  /** Complete results only: what the interpreter could not resolve although no figure depends on it. */
  unresolved?: UnknownNote[];
  /** Classes the analysed .py file defines (absent for an ONNX file). */
  classes?: ClassSpan[];
}

export const leaves = (g: ModelGraph): ModuleNode[] => g.modules.filter((m) => m.leaf);
