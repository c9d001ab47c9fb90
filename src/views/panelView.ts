// What the panel's webview draws, computed in the extension host: the header, every table as
// columns and formatted cells, every chart as series. The webview renders this and computes
// nothing (no Ghost estimate, no share, no format of a figure of its own), so the figures it
// shows are those of the analysis the rest of the editor shows. Plain data: it crosses
// postMessage and src/protocol.ts checks it on arrival.
//
// Layout (issue 12): a panel beside the editor at a 1280–1600 px window is 450–750 px wide. The
// per-stage decision (blocks, resolution, share of MACs, G-Ghost estimate, latency) is in the
// primary columns; the rest are `secondary`, shown on demand. Column widths come from the widest
// text in them (in `ch`, digits are 1ch), so a number is never cut; the exact value is in the
// cell's tooltip and data-value.
import type { ModelGraph } from '../core/graph/model';
import type { GhostSettings } from '../core/analysis/ghost';
import type { CompareResult, ProfileResult } from '../core/profile/types';
import type { LayerRedundancy, RedundancyResult } from '../core/redundancy/types';
import type { SiteResult } from '../core/ghostify/types';
import { panelModel, macsSeries, latencySeries, runHistogram, baseProfile, BarSeries, ConvRow, LayerRow, StageRow } from './panelModel';
import { fmtChange, fmtInt, fmtMacs, fmtMs, fmtPct, fmtRatio, fmtShape, fmtUnit } from './format';

export interface ViewCell {
  text: string;
  /** The exact figure behind a rounded text (tests and tooltips read it). */
  value?: string | number | null;
  title?: string;
  /** Shown dimmed (unknown, not applicable). */
  dim?: boolean;
  /** A Rewrite button at the end of this cell (the row's name cell). */
  rewrite?: { kind: 'stage' | 'conv'; path: string; label: string; what: string };
}

export interface ViewColumn {
  id: string;
  title: string;
  /** A grid-template-columns track (`9ch`-based for figures, `minmax(…, 1fr)` for names). */
  width: string;
  numeric: boolean;
  /** Header tooltip: what the column means. */
  help?: string;
  /** Shown only when the user asks for all columns. */
  secondary?: boolean;
}

export interface ViewRow {
  /** The stage or module path the row is about (a conv site: its first instance). */
  path: string;
  /** Every path the row stands for (a conv site: all its instances). */
  paths: string[];
  kind: 'stage' | 'module';
  /** Whether the row has a source line in the file to reveal. */
  revealable: boolean;
  label: string;
  cells: ViewCell[];
}

export interface ViewTable {
  label: string;
  columns: ViewColumn[];
  rows: ViewRow[];
  /** What to say instead of an empty table. */
  empty: string;
}

export type ChartUnit = Parameters<typeof fmtUnit>[0];

export interface ChartView {
  id: string;
  title: string;
  note: string | null;
  kind: 'bars' | 'histogram';
  series: BarSeries;
  yTitle: string;
  /** How tick and tooltip values are written. */
  unit: ChartUnit;
  /** The chart in words, for screen readers. */
  description: string;
}

export interface HeaderView {
  model: string;
  io: string;
  params: ViewCell;
  macs: ViewCell;
  /** `incomplete: 3 unknowns`, with the first reasons as its title; null when complete. */
  incomplete: ViewCell | null;
}

export interface PanelView {
  header: HeaderView;
  stages: ViewTable;
  convs: ViewTable;
  layers: ViewTable;
  /** Measured conv output redundancy (null: not measured). */
  redundancy: ViewTable | null;
  /** The sites of the latest ghostify run (null: none). */
  ghostify: ViewTable | null;
  /** latency: null also when profiled without per-node times (the webview says so). */
  charts: { macs: ChartView; latency: ChartView | null; runs: ChartView | null; redundancy: ChartView[] };
}

const NA: ViewCell = { text: '\u2014', dim: true };

const int = (n: number | null): ViewCell => (n === null ? { ...NA, title: 'unknown' } : { text: fmtInt(n), value: n });
const macs = (n: number | null): ViewCell => (n === null ? { text: 'unknown', dim: true } : { text: fmtMacs(n), value: n, title: `${fmtInt(n)} MACs` });
const share = (s: number | null, of = 'the model\u2019s MACs'): ViewCell => (s === null ? NA : { text: fmtPct(s), value: s, title: `${(100 * s).toFixed(3)}% of ${of}` });
const ms = (m: { ms: number } | null, what: string): ViewCell => (m ? { text: fmtMs(m.ms), value: m.ms, title: `${m.ms.toFixed(4)} ms per run (${what})` } : { ...NA, title: 'not profiled' });
const line = (l: number): ViewCell => (l > 0 ? { text: String(l), value: l } : { ...NA, title: 'no site in this file' });

interface ColumnSpec<R> extends Omit<ViewColumn, 'width'> {
  /** Name columns share the room left (`1fr`), at least this many ch; figures get their widest text. */
  grow?: number;
  cell: (r: R) => ViewCell;
}

/**
 * Width of a text in ch: a digit is exactly 1ch (the unit's definition; the cells use tabular
 * figures); a space or a dot about half; lower-case letters less, capitals and signs (×, →, −, %)
 * more (measured on VS Code's UI fonts at 13px; the header, bold, gets 1ch more).
 */
function textWidth(t: string): number {
  let w = 0;
  for (const ch of t) w += /[0-9]/.test(ch) ? 1 : /[ .,:]/.test(ch) ? 0.45 : /[a-z]/.test(ch) ? 0.85 : 1.15;
  return w;
}

/** Builds a table: cells, and each column's width from its widest text (header included). */
function table<R>(label: string, empty: string, specs: ColumnSpec<R>[], rows: R[], info: (r: R) => Omit<ViewRow, 'cells'>): ViewTable {
  const cells = rows.map((r) => specs.map((c) => c.cell(r)));
  const columns = specs.map((c, i): ViewColumn => {
    // The header is bold and may carry a sort of its own: one ch more.
    // A Rewrite button sits at the end of its name cell, in a room of its own (3ch).
    const button = cells.some((row) => row[i].rewrite) ? 3 : 0;
    const widest = Math.ceil(Math.max(textWidth(c.title) + 1, ...cells.map((row) => textWidth(row[i].text))));
    const track = `calc(${widest + button}ch + 8px)`;
    const { cell: _cell, grow, ...col } = c;
    return { ...col, width: grow !== undefined ? `minmax(calc(${Math.min(widest, grow) + button}ch + 8px), 1fr)` : track };
  });
  return { label, columns, empty, rows: rows.map((r, i) => ({ ...info(r), cells: cells[i] })) };
}

/** `−18%` of the model's MACs (the one base of percentages), with the exact figures in its title. */
function estimateCell(e: StageRow['ghost'] & object, what: string): ViewCell {
  return {
    text: e.modelMacsChange === null ? `${fmtChange(e.macsChange)} (${what})` : fmtChange(e.modelMacsChange),
    value: e.macs,
    title: `model ${e.modelMacsChange === null ? 'MACs unknown' : `${fmtChange(e.modelMacsChange)} MACs`}, ${fmtChange(e.modelParamsChange)} params; ` +
      `the ${what} itself: ${fmtInt(e.macs)} MACs after (${fmtChange(e.macsChange)}), ${fmtInt(e.params)} params (${fmtChange(e.paramsChange)}); ${e.detail}`,
  };
}

const rewriteOf = (kind: 'stage' | 'conv', path: string, label: string, what: string): ViewCell['rewrite'] => ({ kind, path, label, what });

function stageTable(rows: StageRow[], profiled: boolean, compared: boolean, measured: boolean): ViewTable {
  const cols: ColumnSpec<StageRow>[] = [
    {
      id: 'stage', title: 'Stage', numeric: false, grow: 8,
      cell: (r) => ({ text: r.path, title: `${r.path}${r.line > 0 ? `, line ${r.line}` : ''}`, rewrite: r.ghost && r.line > 0 ? rewriteOf('stage', r.path, r.path, 'a G-Ghost stage') : undefined }),
    },
    { id: 'blocks', title: 'Blocks', numeric: true, cell: (r) => ({ text: String(r.blocks), value: r.blocks }) },
    { id: 'resolution', title: 'Res.', numeric: true, help: 'output resolution (H×W)', cell: (r) => ({ text: fmtShape(r.resolution), value: r.resolution.join('x') }) },
    { id: 'share', title: 'Share', numeric: true, help: 'share of the model\u2019s MACs', cell: (r) => share(r.share) },
    {
      id: 'ghost', title: 'G-Ghost', numeric: true,
      help: 'estimated change of the model\u2019s MACs when this stage becomes a G-Ghost stage (the rewrite\u2019s formulas); details in the tooltip',
      cell: (r) => (r.ghost ? estimateCell(r.ghost, 'stage') : { text: r.noGhost ?? '\u2014', dim: true }),
    },
  ];
  if (profiled) cols.push({ id: 'latency', title: 'Latency', numeric: true, help: 'measured time per run', cell: (r) => ms(r.latency, 'measured') });
  if (compared) {
    cols.push({
      id: 'ghostMs', title: 'After', numeric: true, help: 'measured after the all-candidates Ghost rewrite, as a ratio of the latency before (×1.14 slower: Ghost made it slower)',
      cell: (r) => (r.ghostMs === null ? { ...NA, title: 'not measured' } : {
        text: r.ratio === null ? fmtMs(r.ghostMs) : `${fmtRatio(r.ratio)}${r.ratio > 1 ? ' slower' : ''}`, value: r.ghostMs,
        title: `${fmtMs(r.ghostMs)} per run after Ghost (${r.ghostMs.toFixed(4)} ms)${r.latency ? `, ${fmtMs(r.latency.ms)} before` : ''}`,
      }),
    });
  }
  cols.push(
    { id: 'channels', title: 'Channels', numeric: true, secondary: true, help: 'input → output channels', cell: (r) => ({ text: `${r.inChannels ?? '?'}\u2192${r.outChannels}`, value: `${r.inChannels ?? ''}>${r.outChannels}` }) },
    { id: 'params', title: 'Params', numeric: true, secondary: true, cell: (r) => int(r.params) },
    { id: 'macs', title: 'MACs', numeric: true, secondary: true, cell: (r) => macs(r.macs) },
    { id: 'ghostMacs', title: 'MACs after', numeric: true, secondary: true, help: 'the stage\u2019s MACs after the G-Ghost rewrite (estimate)', cell: (r) => (r.ghost ? { ...macs(r.ghost.macs), title: `${fmtInt(r.ghost.macs)} MACs (${fmtChange(r.ghost.macsChange)} of the stage)` } : NA) },
  );
  if (profiled) cols.push({ id: 'latencyShare', title: 'Lat. %', numeric: true, secondary: true, help: 'share of the measured node time', cell: (r) => share(r.latency?.share ?? null, 'the measured node time') });
  if (measured) {
    cols.push({
      id: 'redundancy', title: 'Redundancy', numeric: true, secondary: true,
      help: 'relative error of the last block\u2019s output reconstructed from the first block\u2019s by a 1×1 op (low: redundant)',
      cell: (r) => (r.redundancy && r.redundancy.lastError !== null
        ? { text: `${fmtPct(r.redundancy.lastError)} err`, value: r.redundancy.lastError, title: r.redundancy.blocks.map((b) => `${b.path}: ${fmtPct(b.relError)}`).join('\n') }
        : { ...NA, title: 'not measured' }),
    });
  }
  return table('Stages', 'No stages: no run of two or more blocks at one resolution.', cols, rows,
    (r) => ({ path: r.path, paths: [r.path], kind: 'stage', revealable: r.line > 0, label: `stage ${r.path}` }));
}

function convTable(rows: ConvRow[], profiled: boolean, measured: boolean): ViewTable {
  const cols: ColumnSpec<ConvRow>[] = [
    {
      id: 'site', title: 'Conv', numeric: false, grow: 10,
      cell: (r) => ({
        text: r.paths.length > 1 ? `${r.name} \u00d7${r.paths.length}` : r.paths[0], title: r.paths.join('\n'),
        rewrite: r.line > 0 ? rewriteOf('conv', r.paths[0], r.paths.length > 1 ? `${r.name} (\u00d7${r.paths.length})` : r.paths[0], 'a GhostModule') : undefined,
      }),
    },
    { id: 'kernel', title: 'Kernel', numeric: true, cell: (r) => ({ text: r.kernel + (r.stride > 1 ? ` /${r.stride}` : ''), title: `stride ${r.stride}` }) },
    { id: 'share', title: 'Share', numeric: true, help: 'share of the model\u2019s MACs', cell: (r) => share(r.share) },
    {
      id: 'ghost', title: 'C-Ghost', numeric: true,
      help: 'estimated change of the model\u2019s MACs when this call builds GhostModules; details in the tooltip',
      cell: (r) => estimateCell(r.ghost, 'site'),
    },
  ];
  if (profiled) cols.push({ id: 'latency', title: 'Latency', numeric: true, cell: (r) => ms(r.latency, 'all instances') });
  cols.push(
    { id: 'line', title: 'Line', numeric: true, secondary: true, cell: (r) => line(r.line) },
    { id: 'channels', title: 'Channels', numeric: true, secondary: true, cell: (r) => ({ text: r.channels }) },
    { id: 'macs', title: 'MACs', numeric: true, secondary: true, cell: (r) => macs(r.macs) },
  );
  if (profiled) cols.push({ id: 'latencyShare', title: 'Lat. %', numeric: true, secondary: true, cell: (r) => share(r.latency?.share ?? null, 'the measured node time') });
  if (measured) {
    cols.push({
      id: 'redundancy', title: 'Near-dup.', numeric: true, secondary: true, help: 'share of output channels with a near-duplicate (measured)',
      cell: (r) => (r.redundancy ? { text: fmtPct(r.redundancy.nearDuplicateShare), value: r.redundancy.nearDuplicateShare, title: `${r.redundancy.measured} of ${r.paths.length} instances measured` } : { ...NA, title: 'not measured' }),
    });
  }
  return table('C-Ghost candidates', 'No convolution where a C-Ghost module would pay (groups 1, odd square kernel, enough output channels).', cols, rows,
    (r) => ({ path: r.paths[0], paths: r.paths, kind: 'module', revealable: r.line > 0, label: r.name }));
}

function layerTable(rows: LayerRow[], profiled: boolean): ViewTable {
  const cols: ColumnSpec<LayerRow>[] = [
    { id: 'layer', title: 'Layer', numeric: false, grow: 12, cell: (r) => ({ text: r.path, title: r.unknown ? `${r.path}: ${r.unknown}` : r.path }) },
    { id: 'type', title: 'Type', numeric: false, cell: (r) => ({ text: r.type }) },
    { id: 'output', title: 'Output', numeric: true, cell: (r) => (r.output ? { text: fmtShape(r.output) } : { text: r.calls ? 'unknown' : 'not called', dim: true }) },
    { id: 'share', title: 'Share', numeric: true, help: 'share of the model\u2019s MACs', cell: (r) => share(r.share) },
  ];
  if (profiled) cols.push({ id: 'latency', title: 'Latency', numeric: true, cell: (r) => ms(r.latency, 'measured') });
  cols.push(
    { id: 'line', title: 'Line', numeric: true, secondary: true, cell: (r) => line(r.line) },
    { id: 'params', title: 'Params', numeric: true, secondary: true, cell: (r) => int(r.params) },
    { id: 'macs', title: 'MACs', numeric: true, secondary: true, cell: (r) => macs(r.macs) },
  );
  if (profiled) cols.push({ id: 'latencyShare', title: 'Lat. %', numeric: true, secondary: true, cell: (r) => share(r.latency?.share ?? null, 'the measured node time') });
  return table('Layers', 'No layers.', cols, rows, (r) => ({ path: r.path, paths: [r.path], kind: 'module', revealable: r.line > 0, label: r.path }));
}

function redundancyTable(g: ModelGraph, layers: LayerRedundancy[]): ViewTable {
  const cols: ColumnSpec<LayerRedundancy>[] = [
    { id: 'layer', title: 'Conv output', numeric: false, grow: 12, cell: (r) => ({ text: r.path }) },
    { id: 'channels', title: 'Channels', numeric: true, cell: (r) => ({ text: String(r.channels), value: r.channels }) },
    {
      id: 'nearDup', title: 'Near-dup.', numeric: true, help: 'share of channels with another channel at |cosine| ≥ the threshold',
      cell: (r) => ({ text: fmtPct(r.nearDuplicateShare), value: r.nearDuplicateShare, title: `|cos| \u2265 ${r.threshold}` }),
    },
    { id: 'meanCos', title: 'Mean |cos|', numeric: true, cell: (r) => ({ text: r.meanAbsCosine.toFixed(3), value: r.meanAbsCosine }) },
    {
      id: 'recon', title: 'Recon. err.', numeric: true, help: 'relative error of rebuilding all channels from a ceil(C/s) subset by cheap per-channel ops',
      cell: (r) => (r.ghostReconError === null ? NA : { text: fmtPct(r.ghostReconError), value: r.ghostReconError, title: `s = ${r.ratio}` }),
    },
  ];
  const lines = new Map(g.modules.map((m) => [m.path, m.line]));
  return table('Conv output redundancy', 'No convolution measured.', cols, layers,
    (l) => ({ path: l.path, paths: [l.path], kind: 'module', revealable: (lines.get(l.path) ?? 0) > 0, label: l.path }));
}

function ghostifyTable(g: ModelGraph, sites: SiteResult[]): ViewTable {
  const cols: ColumnSpec<SiteResult>[] = [
    { id: 'site', title: 'Site', numeric: false, grow: 12, cell: (r) => ({ text: `${r.kind} ${r.path}`, title: r.init }) },
    { id: 'fitted', title: 'Fitted', numeric: true, help: 'channels fitted of the site\u2019s output channels', cell: (r) => ({ text: `${r.fitted}/${r.channels}`, value: r.fitted }) },
    {
      id: 'fitError', title: 'Fit error', numeric: true,
      help: 'held-out \u2016t \u2212 t\u0302\u2016\u00b2 / \u2016t \u2212 mean t\u2016\u00b2 of the fitted channels, from the original model\u2019s own inputs',
      cell: (r) => (r.fitError === null ? NA : { text: fmtPct(r.fitError), value: r.fitError }),
    },
    {
      id: 'modelError', title: 'In the model', numeric: true,
      help: 'held-out \u2016a \u2212 b\u2016 / \u2016b\u2016 of the site\u2019s output in the ghostified model (a) against the original (b): earlier sites\u2019 errors included',
      cell: (r) => (r.modelError === null ? NA : { text: fmtPct(r.modelError), value: r.modelError }),
    },
    { id: 'init', title: 'Initialised from', numeric: false, grow: 16, cell: (r) => ({ text: r.init }) },
  ];
  const lines = new Map<string, number>([...g.modules.map((m) => [m.path, m.line] as const), ...g.stages.map((s) => [s.path, s.line] as const)]);
  return table('Ghost sites', 'No site rewritten.', cols, sites,
    (s) => ({ path: s.path, paths: [s.path], kind: s.kind === 'stage' ? 'stage' : 'module', revealable: (lines.get(s.path) ?? 0) > 0, label: `${s.kind} ${s.path}` }));
}

function describe(title: string, s: BarSeries, f: (v: number | null) => string): string {
  return `${title}: ${s.labels.map((l, i) => `${l} ${s.datasets.map((d) => f(d.data[i])).join(' / ')}`).join(', ')}`;
}

/** The whole view of one analysis, with the profile and redundancy measurement made on it. */
export function panelView(
  g: ModelGraph, ghost: GhostSettings, profile: ProfileResult | CompareResult | null, red: RedundancyResult | null, sites: SiteResult[] | null = null,
): PanelView {
  const m = panelModel(g, ghost, profile, red);
  const compared = !!profile && 'before' in profile;
  const macsS = macsSeries(m);
  const charts: PanelView['charts'] = {
    macs: {
      id: 'chart-macs', title: 'MACs per stage', note: m.stages.some((s) => s.ghost) ? 'with the G-Ghost estimate' : null, kind: 'bars', series: macsS,
      yTitle: 'MACs', unit: 'macs', description: describe('Bar chart of MACs per stage', macsS, fmtMacs),
    },
    latency: null, runs: null, redundancy: [],
  };
  if (profile) {
    const lat = latencySeries(m, profile);
    if (lat) {
      charts.latency = {
        id: 'chart-latency', title: 'Latency per stage', note: compared ? 'before and after Ghost' : 'measured', kind: 'bars', series: lat,
        yTitle: 'ms per run', unit: 'ms', description: describe('Bar chart of measured latency per stage', lat, fmtMs),
      };
    }
    const hist = runHistogram(profile);
    charts.runs = {
      id: 'chart-runs', title: 'Distribution of the timed runs', note: `${baseProfile(profile).times.length} runs`, kind: 'histogram',
      series: { labels: hist.labels, datasets: hist.datasets }, yTitle: 'runs', unit: 'count',
      description: `Histogram of run times: ${hist.labels.map((l, i) => `${l} ms: ${hist.datasets.map((d) => d.data[i]).join('/')}`).join(', ')}`,
    };
  }
  for (const st of red?.stages ?? []) {
    const series = { labels: st.blocks.map((b) => b.path), datasets: [{ label: 'reconstruction error', data: st.blocks.map((b) => b.relError) }] };
    charts.redundancy.push({
      id: `chart-red-${st.stage}`, title: `Stage ${st.stage}`, note: `from ${st.firstBlock}`, kind: 'bars', series, yTitle: 'relative error', unit: 'share',
      description: `Reconstruction error of the blocks of ${st.stage} from ${st.firstBlock}: ${st.blocks.map((b) => `${b.path} ${fmtPct(b.relError)}`).join(', ')}`,
    });
  }
  return {
    header: {
      model: g.model,
      io: `${g.input.map(fmtShape).join(', ')} \u2192 ${g.outputs ? g.outputs.map(fmtShape).join(', ') : 'unknown'}`,
      params: { text: `${fmtInt(g.params)} params`, value: g.params, title: `${fmtInt(g.params)} parameters` },
      macs: { text: `${fmtMacs(g.macs)} MACs`, value: g.macs, title: g.macs === null ? 'depends on something unknown' : `${fmtInt(g.macs)} MACs` },
      incomplete: g.complete ? null : {
        text: `incomplete: ${g.unknowns.length} unknown${g.unknowns.length === 1 ? '' : 's'}`,
        title: g.unknowns.map((u) => `line ${u.line}: ${u.reason}`).slice(0, 10).join('\n'),
      },
    },
    stages: stageTable(m.stages, !!profile, compared, !!red),
    convs: convTable(m.convs, !!profile, !!red),
    layers: layerTable(m.layers, !!profile),
    redundancy: red && red.layers.length ? redundancyTable(g, red.layers) : null,
    ghostify: sites ? ghostifyTable(g, sites) : null,
    charts,
  };
}
