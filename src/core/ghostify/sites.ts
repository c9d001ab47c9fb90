// Where the rewritten model differs from the original, and where each of its modules comes from.
// A GhostModule at P replaces the conv at P (with the BatchNorm/ReLU after it when the rewrite
// took them in); a GGhostStage at S keeps the stage's first and last blocks (S.first, S.last: the
// original blocks, unchanged), rebuilds the middle ones narrower (S.middle.k: block k+1, sliced)
// and adds the ghost path and the mix. Everything else keeps its path.
import type { ModelGraph, ModuleNode } from '../graph/model';

export interface ConvSite {
  kind: 'conv';
  path: string;
  oup: number;
  /** Intrinsic maps (the primary conv's filters), ghost ratio, cheap kernel size. */
  intrinsic: number;
  ratio: number;
  dw: number;
  /** The module applies a ReLU to both halves (the rewrite took a ReLU in). */
  relu: boolean;
  /** The original BatchNorm the GhostModule took in (its path), else null. */
  bn: string | null;
  /** Original modules the GhostModule's output stands for, last first (ReLU, BN, the conv). */
  outputOf: string[];
  /** Output channel order (position → original channel) when reordered (order.ts), else null. */
  order?: number[] | null;
  /** The rewritten model's tensors permuted with the order (BatchNorm's, the next convs' weights). */
  consumers?: { channelParams: string[]; convWeights: string[] } | null;
}

export interface StageSite {
  kind: 'stage';
  path: string;
  /** The original stage's blocks. */
  blocks: string[];
  channels: number;
  raw: number;
}

export type Site = ConvSite | StageSite;

export type Origin =
  | { kind: 'same' | 'sliced'; path: string }
  | { kind: 'site'; site: Site; part: string };

/** The Ghost sites of `after`, described with `dims` (the rewritten export's parameter shapes). */
export function findSites(before: ModelGraph, after: ModelGraph, dims: (param: string) => number[] | null): { sites: Site[]; notes: string[] } {
  const was = new Map(before.modules.map((m) => [m.path, m]));
  const now = new Map(after.modules.map((m) => [m.path, m]));
  const sites: Site[] = [];
  const notes: string[] = [];
  for (const m of after.modules) {
    if (m.type === 'GhostModule' && was.get(m.path)?.type !== 'GhostModule') {
      const p = dims(`${m.path}.primary.0.weight`), c = dims(`${m.path}.cheap.0.weight`);
      const oup = m.outputShape?.[1];
      if (!p || !c || !oup) { notes.push(`${m.path}: the GhostModule's convs are not in the export; left at random init`); continue; }
      const relu = now.get(`${m.path}.primary.2`)?.type === 'ReLU';
      const taken = foldedAfter(m, was, now, relu);
      sites.push({
        kind: 'conv', path: m.path, oup, intrinsic: p[0], ratio: c[0] / p[0] + 1, dw: c[2], relu,
        bn: taken.find((t) => was.get(t)?.type.startsWith('BatchNorm')) ?? null, outputOf: [...taken].reverse().concat(m.path),
      });
    } else if (m.type === 'GGhostStage' && was.get(m.path)?.type !== 'GGhostStage') {
      const st = before.stages.find((s) => s.path === m.path);
      const g = dims(`${m.path}.ghost.0.weight`);
      const middle = m.children.find((c) => c === `${m.path}.middle`);
      const n = middle ? (now.get(middle)?.children.length ?? 0) + 2 : 0;
      if (!st || !g || st.blocks.length !== n) {
        notes.push(`${m.path}: the G-Ghost stage does not match the original stage${st ? ` (${st.blocks.length} blocks, ${n} after)` : ''}; left at random init`);
        continue;
      }
      const cheap = g[0];
      sites.push({ kind: 'stage', path: m.path, blocks: st.blocks, channels: st.outChannels, raw: st.outChannels - cheap });
    }
  }
  return { sites, notes };
}

/** Modules after the conv (BatchNorm, then ReLU) that the rewrite folded into the GhostModule at m. */
function foldedAfter(m: ModuleNode, was: Map<string, ModuleNode>, now: Map<string, ModuleNode>, relu: boolean): string[] {
  const i = m.path.lastIndexOf('.');
  const last = m.path.slice(i + 1);
  if (!/^\d+$/.test(last)) return [];
  const parent = i < 0 ? '' : m.path.slice(0, i);
  const at = (k: number) => (parent ? `${parent}.${Number(last) + k}` : String(Number(last) + k));
  const bn = was.get(at(1));
  if (!bn?.type.startsWith('BatchNorm') || now.get(at(1))?.type === bn.type) return [];
  const act = was.get(at(2));
  return relu && act && /ReLU/.test(act.type) && now.get(at(2))?.type !== act.type ? [at(1), at(2)] : [at(1)];
}

/** Where the rewritten module `path` comes from in the original model. */
export function originOf(path: string, sites: Site[]): Origin {
  for (const s of sites) {
    if (path !== s.path && !path.startsWith(s.path + '.')) continue;
    const rest = path.slice(s.path.length + 1);
    if (s.kind === 'conv') return { kind: 'site', site: s, part: rest };
    const [head, ...tail] = rest.split('.');
    const under = (block: string, r: string[]) => (r.length ? `${block}.${r.join('.')}` : block);
    if (head === 'first') return { kind: 'same', path: under(s.blocks[0], tail) };
    if (head === 'last') return { kind: 'same', path: under(s.blocks[s.blocks.length - 1], tail) };
    if (head === 'middle' && tail.length && /^\d+$/.test(tail[0])) return { kind: 'sliced', path: under(s.blocks[Number(tail[0]) + 1], tail.slice(1)) };
    return { kind: 'site', site: s, part: rest };
  }
  return { kind: 'same', path };
}
