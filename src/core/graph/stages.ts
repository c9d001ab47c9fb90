// Stage grouping. A stage is a maximal run at one output resolution (the first element may
// downsample) of either
// - blocks: multi-layer modules (two or more conv/linear layers), at least two of them; or
// - units: one conv with its norm/activation, at least three of them, every unit after the
//   first keeping the channel count (C → C). A unit is a module whose only conv is that one
//   (`nn.Sequential(conv, bn, relu)`, a ConvBNReLU class), or, inside a container, a conv leaf
//   followed by the norm/activation leaves up to the next conv (VGG's flat `features`, an ONNX
//   file whose BatchNorm was folded). Flat units are read only inside containers: a plain
//   module's attributes are registered in any order (a bottleneck lists conv1, bn1, conv2, ...).
// Elements are children of one container or consecutive attributes of one module.
import type { ModuleNode, Stage } from './model';
import { countsMacs, followsConvInUnit } from '../catalogue/layers';

/** The modules of block i: the block itself, or a flat unit's conv and the leaves after it. */
export const blockModules = (st: Stage, i: number): string[] => st.members?.[i] ?? [st.blocks[i]];

/** The module whose output is block i's output (a flat unit's last leaf). */
export const blockOutput = (st: Stage, i: number): string => { const m = blockModules(st, i); return m[m.length - 1]; };

/** Whether module `path` lies in block i of `st` (the block, a member, or inside one). */
export function inBlock(path: string, st: Stage, i: number): boolean {
  return blockModules(st, i).some((b) => path === b || path.startsWith(b + '.'));
}

/** Every module path that makes up the stage's blocks (for subtree tests: member or below). */
export const stageModules = (st: Stage): string[] => (st.members ? st.members.flat() : st.blocks);

/** One element of a scan: a child module, or a flat unit (several consecutive leaf children). */
interface Element { nodes: ModuleNode[]; kind: 'block' | 'unit' | 'other'; first: number }

export function findStages(modules: ModuleNode[]): Stage[] {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const macLayers = new Map<string, number>();
  const convs = new Map<string, number>();
  const plain = new Map<string, boolean>();
  const convOf = new Map<string, string>();
  // Per subtree (children before parents: reverse pre-order): conv/linear layers, Conv2d
  // layers, and whether every other leaf is a norm/activation.
  for (let i = modules.length - 1; i >= 0; i--) {
    const m = modules[i];
    let n = m.leaf && countsMacs(m.type) ? 1 : 0;
    let c = m.leaf && m.type === 'Conv2d' ? 1 : 0;
    let p = !m.leaf || m.type === 'Conv2d' || followsConvInUnit(m.type);
    if (c) convOf.set(m.path, m.path);
    for (const k of m.children) {
      n += macLayers.get(k) ?? 0; c += convs.get(k) ?? 0; p &&= plain.get(k) ?? false;
      const kc = convOf.get(k);
      if (kc) convOf.set(m.path, kc);
    }
    macLayers.set(m.path, n);
    convs.set(m.path, c);
    plain.set(m.path, p);
  }
  const res = (m: ModuleNode): string | null => m.outputShape && m.outputShape.length === 4 ? `${m.outputShape[2]}x${m.outputShape[3]}` : null;
  const multi = (m: ModuleNode) => !m.leaf && (macLayers.get(m.path) ?? 0) >= 2;
  /** A module unit: not a leaf, exactly one conv/linear layer, a Conv2d, the rest norms/activations. */
  const moduleUnit = (m: ModuleNode) => !m.leaf && macLayers.get(m.path) === 1 && convs.get(m.path) === 1 && plain.get(m.path) === true;
  const kidsOf = (m: ModuleNode) => m.children.map((c) => byPath.get(c)!).filter(Boolean);

  /** The children of `m` as elements: blocks, units (module or flat), and anything else. */
  const elements = (m: ModuleNode): Element[] => {
    const kids = kidsOf(m);
    const out: Element[] = [];
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (m.container && k.leaf && k.type === 'Conv2d') {
        let j = i + 1;
        while (j < kids.length && kids[j].leaf && followsConvInUnit(kids[j].type)) j++;
        out.push({ nodes: kids.slice(i, j), kind: 'unit', first: i });
        i = j - 1;
      } else if (moduleUnit(k)) out.push({ nodes: [k], kind: 'unit', first: i });
      else if (multi(k) && !isStageContainer(k)) out.push({ nodes: [k], kind: 'block', first: i });
      else out.push({ nodes: [k], kind: 'other', first: i });
    }
    return out;
  };
  const last = (e: Element) => e.nodes[e.nodes.length - 1];
  const eres = (e: Element) => res(last(e));
  /** Input and output channels of a unit's conv. */
  const unitChannels = (e: Element): [number, number] | null => {
    const conv = byPath.get(convOf.get(e.nodes[0].path) ?? '');
    const cin = conv?.config?.in_channels, cout = conv?.config?.out_channels;
    return typeof cin === 'number' && typeof cout === 'number' ? [cin, cout] : null;
  };
  /** Runs of elements that form stages: [start, end) in element indices. */
  const runs = (els: Element[]): [number, number][] => {
    const out: [number, number][] = [];
    let i = 0;
    while (i < els.length) {
      const kind = els[i].kind;
      if (kind === 'other' || eres(els[i]) === null) { i++; continue; }
      let j = i + 1;
      if (kind === 'block') {
        while (j < els.length && els[j].kind === 'block' && eres(els[j]) === eres(els[i])) j++;
        if (j - i >= 2) out.push([i, j]);
        i = j;
        continue;
      }
      // Units: the run's channel count is the first unit's output; later units keep it.
      const c = unitChannels(els[i]);
      while (c && j < els.length && els[j].kind === 'unit' && eres(els[j]) === eres(els[i])) {
        const cj = unitChannels(els[j]);
        if (!cj || cj[0] !== c[1] || cj[1] !== c[1]) break;
        j++;
      }
      if (j - i >= 3) { out.push([i, j]); i = j; }
      else i++;
    }
    return out;
  };
  /** A container that is one stage as a whole (a Sequential of blocks, or of units). */
  const stageContainer = new Map<string, boolean>();
  function isStageContainer(m: ModuleNode): boolean {
    let v = stageContainer.get(m.path);
    if (v === undefined) { v = wholeStage(m); stageContainer.set(m.path, v); }
    return v;
  }
  function wholeStage(m: ModuleNode): boolean {
    if (!m.container || m.path === '') return false;
    const kids = kidsOf(m);
    if (kids.length > 0 && kids.every((k) => multi(k) && res(k) !== null && res(k) === res(kids[0]))) {
      // Every child a multi-layer module at one resolution (those children are blocks unless
      // they are stage containers themselves: nested stacks are stages of their own).
      return true;
    }
    const els = elements(m);
    const r = runs(els);
    return els.length > 0 && r.length === 1 && r[0][0] === 0 && r[0][1] === els.length && els[0].kind === 'unit';
  }

  const stages: Stage[] = [];
  const inStage = new Set<string>();
  const make = (parent: ModuleNode, els: Element[], whole: boolean, startIdx: number, endIdx: number): Stage => {
    const kids = els.flatMap((e) => e.nodes);
    const first = kids[0], lastNode = kids[kids.length - 1];
    const units = els[0].kind === 'unit';
    const keys = els.map((e) => e.nodes[0].path.slice(parent.path ? parent.path.length + 1 : 0));
    let path: string;
    if (whole && parent.path) path = parent.path;
    else if (keys.every((k) => /^\d+$/.test(k))) {
      // Slices by torch's indices (the keys): an ONNX file may lack children (a folded BatchNorm).
      const endKey = lastNode.path.slice(parent.path ? parent.path.length + 1 : 0);
      path = /^\d+$/.test(endKey) ? `${parent.path}[${keys[0]}:${Number(endKey) + 1}]` : `${parent.path}[${startIdx}:${endIdx}]`;
    }
    else path = `${parent.path ? parent.path + '.' : ''}{${keys.join(',')}}`;
    const macs = kids.every((k) => k.macs !== null) ? kids.reduce((s, k) => s + (k.macs as number), 0) : null;
    const ref = whole && parent.path ? parent : first;
    const inShape = first.inputShapes[0];
    const flat = els.some((e) => e.nodes.length > 1 || e.nodes[0].leaf);
    return {
      path, container: parent.path, blocks: els.map((e) => e.nodes[0].path),
      ...(units ? { kind: 'units' as const } : {}),
      ...(flat ? { members: els.map((e) => e.nodes.map((n) => n.path)) } : {}),
      resolution: [lastNode.outputShape![2], lastNode.outputShape![3]],
      inChannels: inShape && inShape.length === 4 ? inShape[1] : null,
      outChannels: lastNode.outputShape![1],
      params: kids.reduce((s, k) => s + k.params, 0), macs,
      line: ref.line, from: ref.from, to: ref.to,
    };
  };
  for (const m of modules) {
    if (m.leaf || inStage.has(m.path)) continue;
    if (!kidsOf(m).length) continue;
    const els = elements(m);
    if (isStageContainer(m)) {
      const all = kidsOf(m);
      stages.push(make(m, els.some((e) => e.kind === 'unit') ? els : all.map((k, i) => ({ nodes: [k], kind: 'block', first: i })), true, 0, all.length));
      for (const k of all) markSubtree(k.path, byPath, inStage);
      continue;
    }
    for (const [i, j] of runs(els)) {
      const run = els.slice(i, j);
      const start = run[0].first, end = run[run.length - 1].first + run[run.length - 1].nodes.length;
      stages.push(make(m, run, i === 0 && j === els.length, start, end));
      for (const e of run) for (const k of e.nodes) markSubtree(k.path, byPath, inStage);
    }
  }
  return stages;
}

function markSubtree(path: string, byPath: Map<string, ModuleNode>, out: Set<string>): void {
  out.add(path);
  for (const c of byPath.get(path)?.children ?? []) markSubtree(c, byPath, out);
}
