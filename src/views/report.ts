// Renders a ModelGraph as the CLI's JSON (stable schema, see README) or as a readable table.
import type { ModelGraph } from '../core/graph/model';

export interface AnalyzeJson {
  file: string;
  model: string;
  input: number[][];
  outputs: number[][] | null;
  params: number;
  macs: number | null;
  complete: boolean;
  layers: { path: string; type: string; line: number; outputShape: number[] | null; outputShapes?: number[][]; params: number; macs: number | null; calls: number }[];
  stages: { path: string; line: number; resolution: [number, number]; blocks: number; blockPaths: string[]; kind?: 'units'; members?: string[][]; inChannels: number | null; outChannels: number; params: number; macs: number | null }[];
  unknowns: { line: number; reason: string; file?: string }[];
  unresolved?: { line: number; reason: string; file?: string }[];
}

export function toJson(g: ModelGraph): AnalyzeJson {
  return {
    file: g.file, model: g.model, input: g.input, outputs: g.outputs, params: g.params, macs: g.macs, complete: g.complete,
    layers: g.modules.filter((m) => m.leaf).map((m) => ({
      path: m.path, type: m.type, line: m.line, outputShape: m.outputShape, ...(m.outputShapes ? { outputShapes: m.outputShapes } : {}),
      params: m.ownParams, macs: m.ownMacs, calls: m.calls,
    })),
    stages: g.stages.map((s) => ({
      path: s.path, line: s.line, resolution: s.resolution, blocks: s.blocks.length, blockPaths: s.blocks,
      // A stage of units (one conv each) says so; a flat unit's layers are listed.
      ...(s.kind ? { kind: s.kind } : {}), ...(s.members ? { members: s.members } : {}),
      inChannels: s.inChannels, outChannels: s.outChannels, params: s.params, macs: s.macs,
    })),
    unknowns: g.unknowns.map((u) => ({ line: u.line, reason: u.reason, ...(u.file ? { file: u.file } : {}) })),
    ...(g.unresolved ? { unresolved: g.unresolved.map((u) => ({ line: u.line, reason: u.reason, ...(u.file ? { file: u.file } : {}) })) } : {}),
  };
}

// One formatting of counts for the CLI and the editor.
import { fmtInt, fmtMacs } from './format';
export { fmtInt, fmtMacs };
const shape = (s: number[] | null) => (s ? '[' + s.join(', ') + ']' : '—');

export function renderTable(g: ModelGraph, depth: number, color: boolean): string {
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const rows: string[][] = [['Layer (path)', 'Type', 'Output shape', 'Params', 'MACs', 'Line']];
  for (const m of g.modules.slice(1)) {
    const d = m.path.split('.').length;
    if (depth > 0 && d > depth) continue;
    const collapsed = depth > 0 && d === depth && !m.leaf;
    rows.push([
      '  '.repeat(d - 1) + m.path.split('.').pop()!, m.type + (collapsed ? ' ›' : ''), shape(m.outputShape),
      m.params ? fmtInt(m.params) : '—', m.macs === 0 ? '—' : fmtMacs(m.macs), m.line ? String(m.line) : '',
    ]);
  }
  const out: string[] = [];
  out.push(bold(`${g.model}`) + dim(`  ${g.file}`));
  out.push(`input ${g.input.map((s) => s.join('x')).join(', ')}  →  output ${g.outputs ? g.outputs.map((s) => s.join('x')).join(', ') : 'unknown'}`);
  out.push('');
  out.push(...table(rows, [false, false, false, true, true, true]));
  out.push('');
  if (g.stages.length) {
    const total = g.macs ?? 0;
    const srows: string[][] = [['Stage', 'Blocks', 'Resolution', 'Channels', 'Params', 'MACs', 'Share', 'Line']];
    for (const s of g.stages) {
      srows.push([
        s.path, `${s.blocks.length}${s.kind === 'units' ? ' units' : ''}`, `${s.resolution[0]}×${s.resolution[1]}`, `${s.inChannels ?? '?'}→${s.outChannels}`,
        fmtInt(s.params), fmtMacs(s.macs), s.macs !== null && total ? `${((100 * s.macs) / total).toFixed(1)}%` : '—', s.line ? String(s.line) : '',
      ]);
    }
    out.push(...table(srows, [false, true, false, false, true, true, true, true]));
    out.push('');
  }
  out.push(`Total params: ${fmtInt(g.params)}`);
  out.push(`Total MACs:   ${g.macs === null ? 'unknown' : `${fmtMacs(g.macs)} (${fmtInt(g.macs)})`}`);
  const unresolved = g.unresolved?.length ? ` (${g.unresolved.length} unresolved name(s) or value(s) that no figure depends on: --json lists them)` : '';
  out.push(g.complete ? `Analysis complete.${unresolved}` : bold('Analysis incomplete:') + ' figures that depend on unknowns are marked unknown.');
  for (const u of g.unknowns.slice(0, 20)) out.push(`  ${u.file ? u.file.replace(/^.*\//, '') + ':' : 'line '}${u.line}: ${u.reason}`);
  if (g.unknowns.length > 20) out.push(`  … ${g.unknowns.length - 20} more`);
  return out.join('\n') + '\n';
}

function table(rows: string[][], right: boolean[]): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(rows[0]), w.map((n) => '─'.repeat(n)).join('  '), ...rows.slice(1).map(line)];
}
