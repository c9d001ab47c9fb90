// Stage grouping: a stage is a maximal run of consecutive blocks (children of a container or
// consecutive attributes) at one output resolution; the first block may downsample.
import type { ModuleNode, Stage } from './model';

const MAC_TYPES = /^(Conv[123]d|ConvTranspose[123]d|Linear|LazyLinear)$/;

export function findStages(modules: ModuleNode[]): Stage[] {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const macLayers = new Map<string, number>();
  // Count conv/linear leaves per subtree (children before parents: reverse pre-order).
  for (let i = modules.length - 1; i >= 0; i--) {
    const m = modules[i];
    let n = m.leaf && MAC_TYPES.test(m.type) ? 1 : 0;
    for (const c of m.children) n += macLayers.get(c) ?? 0;
    macLayers.set(m.path, n);
  }
  // A block is a multi-layer unit: a non-leaf module with two or more conv/linear layers —
  // unless it is itself a stage container (a Sequential of blocks), which is a stage of its own.
  const res = (m: ModuleNode): string | null => m.outputShape && m.outputShape.length === 4 ? `${m.outputShape[2]}x${m.outputShape[3]}` : null;
  const unit = (m: ModuleNode) => !m.leaf && (macLayers.get(m.path) ?? 0) >= 2;
  const kidsOf = (m: ModuleNode) => m.children.map((c) => byPath.get(c)!).filter(Boolean);
  const isStageContainer = (m: ModuleNode): boolean => {
    const kids = kidsOf(m);
    return m.container && m.path !== '' && kids.length > 0 && kids.every((k) => unit(k) && res(k) !== null && res(k) === res(kids[0]));
  };
  const isBlock = (m: ModuleNode) => unit(m) && !isStageContainer(m);

  const stages: Stage[] = [];
  const inStage = new Set<string>();
  const make = (parent: ModuleNode, kids: ModuleNode[], whole: boolean, startIdx: number): Stage => {
    const first = kids[0], last = kids[kids.length - 1];
    const keys = kids.map((k) => k.path.slice(parent.path ? parent.path.length + 1 : 0));
    let path: string;
    if (whole && parent.path) path = parent.path;
    else if (keys.every((k) => /^\d+$/.test(k))) path = `${parent.path}[${startIdx}:${startIdx + kids.length}]`;
    else path = `${parent.path ? parent.path + '.' : ''}{${keys.join(',')}}`;
    const macs = kids.every((k) => k.macs !== null) ? kids.reduce((s, k) => s + (k.macs as number), 0) : null;
    const ref = whole && parent.path ? parent : first;
    const inShape = first.inputShapes[0];
    return {
      path, container: parent.path, blocks: kids.map((k) => k.path),
      resolution: [last.outputShape![2], last.outputShape![3]],
      inChannels: inShape && inShape.length === 4 ? inShape[1] : null,
      outChannels: last.outputShape![1],
      params: kids.reduce((s, k) => s + k.params, 0), macs,
      line: ref.line, from: ref.from, to: ref.to,
    };
  };
  for (const m of modules) {
    if (m.leaf || inStage.has(m.path)) continue;
    const kids = kidsOf(m);
    if (!kids.length) continue;
    if (isStageContainer(m)) {
      stages.push(make(m, kids, true, 0));
      for (const k of kids) markSubtree(k.path, byPath, inStage);
      continue;
    }
    // Runs of at least two consecutive blocks at one resolution.
    let i = 0;
    while (i < kids.length) {
      if (!isBlock(kids[i]) || res(kids[i]) === null) { i++; continue; }
      let j = i + 1;
      while (j < kids.length && isBlock(kids[j]) && res(kids[j]) === res(kids[i])) j++;
      if (j - i >= 2) {
        stages.push(make(m, kids.slice(i, j), i === 0 && j === kids.length, i));
        for (const k of kids.slice(i, j)) markSubtree(k.path, byPath, inStage);
      }
      i = j;
    }
  }
  return stages;
}

function markSubtree(path: string, byPath: Map<string, ModuleNode>, out: Set<string>): void {
  out.add(path);
  for (const c of byPath.get(path)?.children ?? []) markSubtree(c, byPath, out);
}
