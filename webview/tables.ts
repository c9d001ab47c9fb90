// The columns of the panel's tables: stages, C-Ghost convolution sites, layers, and the measured
// redundancy of conv outputs.
import type { ConvRow, LayerRow, StageRow } from '../src/views/panelModel';
import type { LayerRedundancy } from '../src/core/redundancy/types';
import { fmtChange, fmtInt, fmtMacs, fmtMs, fmtPct, fmtRatio, fmtShape } from '../src/views/format';
import type { Cell, Column } from './grid';
import { h, icon } from './dom';

const NA: Cell = { text: '\u2014', dim: true };

const int = (n: number | null): Cell => (n === null ? { ...NA, title: 'unknown' } : { text: fmtInt(n), value: n });
const macs = (n: number | null): Cell => (n === null ? { text: 'unknown', dim: true } : { text: fmtMacs(n), value: n, title: `${fmtInt(n)} MACs` });
const share = (s: number | null): Cell => (s === null ? NA : { text: fmtPct(s), value: s });
const ms = (m: { ms: number } | null, what: string): Cell => (m ? { text: fmtMs(m.ms), value: m.ms, title: `${m.ms.toFixed(4)} ms per run (${what})` } : { ...NA, title: 'not profiled' });
const line = (l: number): Cell => (l > 0 ? { text: String(l), value: l } : { ...NA, title: 'no site in this file' });

export interface Actions {
  canRewrite: boolean;
  /** Why rewriting is not possible now (busy, command missing). */
  rewriteTitle: string | null;
  rewrite(kind: 'stage' | 'conv', path: string, label: string): void;
}

function rewriteButton(a: Actions, kind: 'stage' | 'conv', path: string, label: string, what: string): HTMLElement {
  const b = h('vscode-button', {
    appearance: 'secondary', class: 'rewrite', 'data-rewrite': path, 'aria-label': `Rewrite ${label} into ${what}`,
    title: a.rewriteTitle ?? `Rewrite ${label} into ${what} (one undoable edit)`, disabled: !a.canRewrite,
  }, icon('wand'), ' Rewrite');
  b.addEventListener('click', (e) => { e.stopPropagation(); if (a.canRewrite) a.rewrite(kind, path, label); });
  return b;
}

export function stageColumns(a: Actions, profiled: boolean, compared: boolean, measured: boolean): Column<StageRow>[] {
  const cols: Column<StageRow>[] = [
    { id: 'stage', title: 'Stage', width: 'minmax(90px, 1.4fr)', cell: (r) => ({ text: r.path, title: `${r.path}${r.line > 0 ? `, line ${r.line}` : ''}` }) },
    { id: 'blocks', title: 'Blocks', width: '64px', numeric: true, cell: (r) => ({ text: String(r.blocks), value: r.blocks }) },
    { id: 'resolution', title: 'Res.', width: '70px', numeric: true, help: 'output resolution (H×W)', cell: (r) => ({ text: fmtShape(r.resolution), value: r.resolution.join('x') }) },
    {
      id: 'channels', title: 'Channels', width: '86px', numeric: true, help: 'input → output channels',
      cell: (r) => ({ text: `${r.inChannels ?? '?'}\u2192${r.outChannels}`, value: `${r.inChannels ?? ''}>${r.outChannels}` }),
    },
    { id: 'params', title: 'Params', width: '84px', numeric: true, cell: (r) => int(r.params) },
    { id: 'macs', title: 'MACs', width: '84px', numeric: true, cell: (r) => macs(r.macs) },
    { id: 'share', title: 'MACs %', width: '76px', numeric: true, help: 'share of the model\u2019s MACs', cell: (r) => share(r.share) },
    {
      id: 'ghost', title: 'G-Ghost est.', width: 'minmax(136px, 1.2fr)', numeric: true,
      help: 'MACs after rewriting this stage into a G-Ghost stage (estimate, the rewrite\u2019s formulas)',
      cell: (r) => (r.ghost
        ? { text: `${fmtMacs(r.ghost.macs)} (${fmtChange(r.ghost.macsChange)})`, value: r.ghost.macs, title: `after: ${fmtInt(r.ghost.macs)} MACs (${fmtChange(r.ghost.macsChange)}), ${fmtInt(r.ghost.params)} params (${fmtChange(r.ghost.paramsChange)}); ${r.ghost.detail}` }
        : { text: r.noGhost ?? '\u2014', dim: true }),
    },
  ];
  if (profiled) {
    cols.push(
      { id: 'latency', title: 'Latency', width: '80px', numeric: true, help: 'measured time per run', cell: (r) => ms(r.latency, 'measured') },
      { id: 'latencyShare', title: 'Lat. %', width: '68px', numeric: true, help: 'share of the measured node time', cell: (r) => share(r.latency?.share ?? null) },
    );
  }
  if (compared) {
    cols.push({
      id: 'ghostMs', title: 'After Ghost', width: '120px', numeric: true, help: 'measured after the all-candidates Ghost rewrite',
      cell: (r) => (r.ghostMs === null ? { ...NA, title: 'not measured' } : { text: `${fmtMs(r.ghostMs)} ${fmtRatio(r.ratio)}`, value: r.ghostMs }),
    });
  }
  if (measured) {
    cols.push({
      id: 'redundancy', title: 'Redundancy', width: '108px', numeric: true,
      help: 'relative error of the last block\u2019s output reconstructed from the first block\u2019s by a 1×1 op (low: redundant)',
      cell: (r) => (r.redundancy && r.redundancy.lastError !== null
        ? { text: `${fmtPct(r.redundancy.lastError)} err`, value: r.redundancy.lastError, title: r.redundancy.blocks.map((b) => `${b.path}: ${fmtPct(b.relError)}`).join('\n') }
        : { ...NA, title: 'not measured' }),
    });
  }
  cols.push({
    id: 'action', title: '', width: '112px',
    cell: (r) => ({ text: '', extra: r.ghost && r.line > 0 ? rewriteButton(a, 'stage', r.path, r.path, 'a G-Ghost stage') : null }),
  });
  return cols;
}

export function convColumns(a: Actions, profiled: boolean, measured: boolean): Column<ConvRow>[] {
  const cols: Column<ConvRow>[] = [
    {
      id: 'site', title: 'Conv', width: 'minmax(120px, 1.6fr)',
      cell: (r) => ({ text: r.paths.length > 1 ? `${r.name} \u00d7${r.paths.length}` : r.paths[0], title: r.paths.join('\n') }),
    },
    { id: 'line', title: 'Line', width: '48px', numeric: true, cell: (r) => line(r.line) },
    { id: 'kernel', title: 'Kernel', width: '58px', numeric: true, cell: (r) => ({ text: r.kernel + (r.stride > 1 ? ` /${r.stride}` : ''), title: `stride ${r.stride}` }) },
    { id: 'channels', title: 'Channels', width: 'minmax(78px, 1fr)', numeric: true, cell: (r) => ({ text: r.channels }) },
    { id: 'macs', title: 'MACs', width: '84px', numeric: true, cell: (r) => macs(r.macs) },
    { id: 'share', title: 'MACs %', width: '76px', numeric: true, cell: (r) => share(r.share) },
    {
      id: 'ghost', title: 'C-Ghost est.', width: 'minmax(136px, 1.2fr)', numeric: true,
      help: 'MACs after rewriting this call into a GhostModule (estimate)',
      cell: (r) => ({ text: `${fmtMacs(r.ghost.macs)} (${fmtChange(r.ghost.macsChange)})`, value: r.ghost.macs, title: `after: ${fmtInt(r.ghost.macs)} MACs (${fmtChange(r.ghost.macsChange)}), ${fmtInt(r.ghost.params)} params (${fmtChange(r.ghost.paramsChange)}); ${r.ghost.detail}` }),
    },
  ];
  if (profiled) {
    cols.push(
      { id: 'latency', title: 'Latency', width: '80px', numeric: true, cell: (r) => ms(r.latency, 'all instances') },
      { id: 'latencyShare', title: 'Lat. %', width: '68px', numeric: true, cell: (r) => share(r.latency?.share ?? null) },
    );
  }
  if (measured) {
    cols.push({
      id: 'redundancy', title: 'Near-dup.', width: '80px', numeric: true, help: 'share of output channels with a near-duplicate (measured)',
      cell: (r) => (r.redundancy ? { text: fmtPct(r.redundancy.nearDuplicateShare), value: r.redundancy.nearDuplicateShare, title: `${r.redundancy.measured} of ${r.paths.length} instances measured` } : { ...NA, title: 'not measured' }),
    });
  }
  cols.push({
    id: 'action', title: '', width: '112px',
    cell: (r) => ({ text: '', extra: r.line > 0 ? rewriteButton(a, 'conv', r.paths[0], r.paths.length > 1 ? `${r.name} (\u00d7${r.paths.length})` : r.paths[0], 'a GhostModule') : null }),
  });
  return cols;
}

export function layerColumns(profiled: boolean): Column<LayerRow>[] {
  const cols: Column<LayerRow>[] = [
    { id: 'layer', title: 'Layer', width: 'minmax(140px, 2fr)', cell: (r) => ({ text: r.path, title: r.unknown ? `${r.path}: ${r.unknown}` : r.path }) },
    { id: 'type', title: 'Type', width: 'minmax(90px, 1fr)', cell: (r) => ({ text: r.type }) },
    { id: 'line', title: 'Line', width: '48px', numeric: true, cell: (r) => line(r.line) },
    { id: 'output', title: 'Output', width: 'minmax(90px, 1fr)', numeric: true, cell: (r) => (r.output ? { text: fmtShape(r.output) } : { text: r.calls ? 'unknown' : 'not called', dim: true }) },
    { id: 'params', title: 'Params', width: '80px', numeric: true, cell: (r) => int(r.params) },
    { id: 'macs', title: 'MACs', width: '84px', numeric: true, cell: (r) => macs(r.macs) },
    { id: 'share', title: 'MACs %', width: '76px', numeric: true, cell: (r) => share(r.share) },
  ];
  if (profiled) {
    cols.push(
      { id: 'latency', title: 'Latency', width: '80px', numeric: true, cell: (r) => ms(r.latency, 'measured') },
      { id: 'latencyShare', title: 'Lat. %', width: '68px', numeric: true, cell: (r) => share(r.latency?.share ?? null) },
    );
  }
  return cols;
}

export function redundancyColumns(): Column<LayerRedundancy>[] {
  return [
    { id: 'layer', title: 'Conv output', width: 'minmax(140px, 2fr)', cell: (r) => ({ text: r.path }) },
    { id: 'channels', title: 'Channels', width: '86px', numeric: true, cell: (r) => ({ text: String(r.channels), value: r.channels }) },
    {
      id: 'nearDup', title: 'Near-duplicates', width: '132px', numeric: true,
      help: 'share of channels with another channel at |cosine| ≥ the threshold',
      cell: (r) => ({ text: fmtPct(r.nearDuplicateShare), value: r.nearDuplicateShare, title: `|cos| \u2265 ${r.threshold}` }),
    },
    { id: 'meanCos', title: 'Mean |cos|', width: '100px', numeric: true, cell: (r) => ({ text: r.meanAbsCosine.toFixed(3), value: r.meanAbsCosine }) },
    {
      id: 'recon', title: 'Ghost recon. err.', width: '140px', numeric: true,
      help: 'relative error of rebuilding all channels from a ceil(C/s) subset by cheap per-channel ops',
      cell: (r) => (r.ghostReconError === null ? NA : { text: fmtPct(r.ghostReconError), value: r.ghostReconError, title: `s = ${r.ratio}` }),
    },
  ];
}
