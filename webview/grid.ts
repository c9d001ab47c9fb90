// Tables as toolkit data grids, built from rows of the panel model. Rows carry the module path
// they are about (data-path); a click or Enter on a row asks the host to reveal its source line,
// and exact figures sit in data-value / title beside the rounded text.
import { h, Child } from './dom';

export interface Cell {
  text: string;
  /** Exact figure behind a rounded text (tests and tooltips read it). */
  value?: number | string | null;
  title?: string;
  /** Extra content after the text (a button). */
  extra?: Child;
  /** Shown dimmed (unknown, not applicable). */
  dim?: boolean;
}

export interface Column<R> {
  id: string;
  title: string;
  /** A grid-template-columns track. */
  width: string;
  numeric?: boolean;
  /** Header tooltip: what the column means. */
  help?: string;
  cell: (r: R) => Cell;
}

export interface RowInfo {
  /** The module or stage path the row is about (its source site). */
  path: string;
  kind: 'stage' | 'module';
  /** Whether the row has a site in this file to reveal. */
  revealable: boolean;
  label: string;
}

export function dataGrid<R>(label: string, cols: Column<R>[], rows: R[], info: (r: R) => RowInfo, selected: string | null): HTMLElement {
  const grid = h('vscode-data-grid', { 'aria-label': label, 'generate-header': 'none', 'grid-template-columns': cols.map((c) => c.width).join(' ') });
  // Columns keep at least their smallest width; a narrow panel scrolls sideways instead of cutting cells.
  grid.style.minWidth = `${cols.reduce((t, c) => t + Number(/(\d+)px/.exec(c.width)?.[1] ?? 60), 0) + 16}px`;
  const header = h('vscode-data-grid-row', { 'row-type': 'sticky-header' },
    ...cols.map((c, i) => h('vscode-data-grid-cell', { 'cell-type': 'columnheader', 'grid-column': i + 1, title: c.help ?? null, class: c.numeric ? 'num' : null }, c.title)));
  grid.append(header);
  for (const r of rows) {
    const ri = info(r);
    const row = h('vscode-data-grid-row', {
      'data-path': ri.path, 'data-kind': ri.kind, class: [ri.revealable ? 'revealable' : '', ri.path === selected ? 'selected' : ''].join(' ').trim() || null,
      'aria-selected': ri.path === selected ? 'true' : null,
      title: ri.revealable ? `${ri.label}: click or press Enter to show it in the editor` : `${ri.label} (no source line in this file)`,
    });
    cols.forEach((c, i) => {
      const v = c.cell(r);
      row.append(h('vscode-data-grid-cell', {
        'grid-column': i + 1, 'data-col': c.id, 'data-value': v.value === undefined || v.value === null ? null : String(v.value),
        title: v.title ?? null, class: [c.numeric ? 'num' : '', v.dim ? 'dim' : ''].join(' ').trim() || null,
      }, v.text, v.extra));
    });
    grid.append(row);
  }
  return grid;
}

/** The row element of `path` inside `root`, if shown. */
export function rowOf(root: ParentNode, path: string): HTMLElement | null {
  for (const r of root.querySelectorAll<HTMLElement>('vscode-data-grid-row[data-path]')) if (r.dataset.path === path) return r;
  return null;
}

/** Marks the selected row (and only it). */
export function markSelected(root: ParentNode, path: string | null): void {
  for (const r of root.querySelectorAll<HTMLElement>('vscode-data-grid-row[data-path]')) {
    const on = r.dataset.path === path;
    r.classList.toggle('selected', on);
    if (on) r.setAttribute('aria-selected', 'true'); else r.removeAttribute('aria-selected');
  }
}
