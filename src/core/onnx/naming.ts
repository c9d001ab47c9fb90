// The ONNX node-naming rule, both ways: how GhostLens's exporter names nodes (builder.ts), and
// which module a node belongs to by its name (the importer's module tree, the profiler's trace
// attribution). Two conventions:
// - torch's exporter: `/layer1/layer1.0/conv1/Conv` — one segment per enclosing module, each the
//   module's name from its last non-numeric atom on (`layer1.0`, `downsample.0`, `conv.0.0`),
//   then the op; a module's second call is `relu_1`. Nodes outside any module have no leading
//   slash (`Identity_3`, `Constant_12`) or one segment (`/Flatten`).
// - GhostLens's exporter: a leaf's main node is named by its module path (`layer1.0.conv1`,
//   `layer1.0.conv1#2` for a second call), its other nodes `layer1.0.conv1/<op>`, functional ops
//   `<scope path>/<op>_<n>` (`/add_0` at the top level).

// ── GhostLens's names (what the exporter writes) ─────────────────────────────────────────────

/** The main node of a module's call-th call (1-based): `layer1.0.conv1`, `layer1.0.conv1#2`. */
export const moduleNodeName = (module: string, call: number): string => (call > 1 ? `${module}#${call}` : module);

/** The k-th (0-based) functional op `op` run in the module `scope`: `layer1.0/add_0`, `/flatten_0`. */
export const functionalNodeName = (scope: string, op: string, k: number): string => `${scope}/${op}_${k}`;

/** A further node of the call named `base` (the n-th node it emits, n ≥ 1): `layer1.0.conv1/Add`, `.../Add_2`. */
export const extraNodeName = (base: string, op: string, n: number): string => `${base}/${op}${n > 1 ? `_${n}` : ''}`;

// ── names → modules ──────────────────────────────────────────────────────────────────────────

export type Naming = 'torch' | 'ghostlens';

export interface NodeScope {
  /** Module path of the innermost module the node runs in ('' = the model itself). */
  path: string;
  /** 1 for the module's first call, 2 for the second, ... (GhostLens names only; torch: see mergeRepeatedCalls). */
  call: number;
}

/** The atoms of a module path from its last non-numeric one: what torch's exporter writes per scope. */
export function unqualified(path: string): string[] {
  const atoms = path.split('.');
  for (let i = atoms.length - 1; i >= 0; i--) if (!/^\d+$/.test(atoms[i])) return atoms.slice(i);
  return atoms;
}

/** Full module paths of torch's scope segments (`['layer2', 'layer2.0', 'downsample', 'downsample.0']`). */
export function torchScopePaths(segments: string[]): string[] {
  const out: string[] = [];
  let parent = '';
  for (const seg of segments) {
    const atoms = seg.split('.');
    const tail = parent ? unqualified(parent) : [];
    // A child whose own name is an index repeats its parent's tail (`layer1` → `layer1.0`).
    const continues = tail.length > 0 && atoms.length > tail.length && tail.every((t, i) => atoms[i] === t);
    const path = continues ? `${parent}.${atoms.slice(tail.length).join('.')}` : parent ? `${parent}.${seg}` : seg;
    out.push(path);
    parent = path;
  }
  return out;
}

/** The module of a node named by torch's exporter. */
export function torchNodeScope(name: string): NodeScope {
  if (!name.startsWith('/')) return { path: '', call: 1 };
  const segs = name.split('/').slice(1, -1).filter(Boolean);
  const paths = torchScopePaths(segs);
  return { path: paths.length ? paths[paths.length - 1] : '', call: 1 };
}

/**
 * The module of a node named by GhostLens's exporter. `leafHeads` are the module paths that have a
 * main node (names without a slash, `#k` stripped): a `head/…` name with such a head is one of the
 * leaf's own nodes, any other is a functional op in the module `head`.
 */
export function ghostlensNodeScope(name: string, leafHeads: ReadonlySet<string>): NodeScope {
  const slash = name.indexOf('/');
  const head = slash < 0 ? name : name.slice(0, slash);
  const m = /^(.*)#(\d+)$/.exec(head);
  const path = m ? m[1] : head;
  const call = m ? Number(m[2]) : 1;
  if (slash < 0 || leafHeads.has(path)) return { path, call };
  return { path, call: 1 };
}

/** The main-node heads of a GhostLens-named graph. */
export function ghostlensLeafHeads(names: string[]): Set<string> {
  const heads = new Set<string>();
  for (const n of names) if (n && !n.includes('/')) heads.add(n.replace(/#\d+$/, ''));
  return heads;
}

/** Which convention a file follows: its producer, else the shape of its node names. */
export function namingOf(producer: string, names: string[]): Naming {
  if (producer === 'ghostlens') return 'ghostlens';
  if (producer === 'pytorch') return 'torch';
  const scoped = names.filter((n) => /^\/[^/]+\/./.test(n)).length;
  const dotted = names.filter((n) => n && !n.startsWith('/') && /^[\w.]+(#\d+)?(\/|$)/.test(n) && n.includes('.')).length;
  return dotted > scoped ? 'ghostlens' : 'torch';
}

/**
 * torch writes a module's second call as a sibling scope `name_1`. Such a scope is the same module
 * when a sibling `name` exists and both ran the same ops on the same parameters; a module really
 * called `name_1` has parameters of its own (or runs other ops) and stays separate.
 * `signature(path)` describes what a subtree ran (its parameter values and op types).
 * Returns: repeated-call path → [module path, call number].
 */
export function mergeRepeatedCalls(paths: Iterable<string>, signature: (path: string) => string): Map<string, [string, number]> {
  const all = new Set(paths);
  const out = new Map<string, [string, number]>();
  for (const p of all) {
    const dot = p.lastIndexOf('.');
    const last = p.slice(dot + 1);
    const m = /^(.+)_(\d+)$/.exec(last);
    if (!m) continue;
    const base = (dot >= 0 ? p.slice(0, dot + 1) : '') + m[1];
    if (!all.has(base) || signature(base) !== signature(p)) continue;
    out.set(p, [base, Number(m[2]) + 1]);
  }
  return out;
}

/**
 * The module a node belongs to by its name, in either convention (no file-level knowledge: a
 * GhostLens `head/…` name is taken as the module `head`). With `known` (the model's module
 * paths) the answer is always a known path or '' (torch's `relu_1`, a second call of `relu`,
 * becomes `relu`).
 */
export function modulePathOf(node: string, known?: ReadonlySet<string> | null): string {
  let path: string;
  if (node.startsWith('/')) path = torchNodeScope(node).path;
  else {
    const slash = node.indexOf('/');
    path = (slash < 0 ? node : node.slice(0, slash)).replace(/#\d+$/, '');
  }
  if (!known) return path;
  let p = path;
  while (p) {
    if (known.has(p)) return p;
    const cut = p.replace(/_\d+$/, '');
    if (cut !== p && known.has(cut)) return cut;
    const dot = p.lastIndexOf('.');
    p = dot < 0 ? '' : p.slice(0, dot);
  }
  return '';
}
