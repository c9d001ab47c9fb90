// Bar charts with chart.js, coloured from the VS Code theme's own chart colours and redrawn when
// the theme changes (light, dark, high contrast). Animations are off: the panel redraws on every
// analysis and a moving chart would only distract.
import {
  Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip, type ChartConfiguration,
} from 'chart.js';
import type { BarSeries, Histogram } from '../src/views/panelModel';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const css = (name: string, fallback: string): string =>
  getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

interface Theme { fg: string; grid: string; series: string[]; border: string | null; font: string }

function theme(): Theme {
  const hc = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    fg: css('--vscode-foreground', '#888'),
    grid: css('--vscode-editorWidget-border', css('--vscode-panel-border', 'rgba(128,128,128,0.3)')),
    series: [css('--vscode-charts-blue', '#3794ff'), css('--vscode-charts-green', '#89d185'), css('--vscode-charts-orange', '#d18616'), css('--vscode-charts-purple', '#b180d7')],
    // High contrast themes draw every bar with the contrast border so adjacent bars stay apart.
    border: hc ? css('--vscode-contrastBorder', '#6fc3df') : null,
    font: css('--vscode-font-family', 'sans-serif'),
  };
}

export interface ChartSpec {
  kind: 'bars' | 'histogram';
  series: BarSeries | Histogram;
  /** Axis title of the values. */
  yTitle: string;
  /** Tooltip and tick text of a value. */
  format: (v: number) => string;
}

const charts = new Map<HTMLCanvasElement, Chart>();

/** Draws (or redraws) `spec` on `canvas`, and describes it for screen readers. */
export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec, description: string): void {
  charts.get(canvas)?.destroy();
  const t = theme();
  Chart.defaults.color = t.fg;
  Chart.defaults.font.family = t.font;
  const config: ChartConfiguration<'bar', (number | null)[], string> = {
    type: 'bar',
    data: {
      labels: spec.series.labels,
      datasets: spec.series.datasets.map((d, i) => ({
        label: d.label, data: d.data,
        backgroundColor: t.series[i % t.series.length],
        borderColor: t.border ?? t.series[i % t.series.length],
        borderWidth: t.border ? 1 : 0,
        ...(spec.kind === 'histogram' ? { barPercentage: 1, categoryPercentage: spec.series.datasets.length > 1 ? 0.9 : 1 } : {}),
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: spec.series.datasets.length > 1, labels: { color: t.fg } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y === null ? 'unknown' : spec.format(c.parsed.y)}` } },
      },
      scales: {
        x: { ticks: { color: t.fg }, grid: { display: false }, title: { display: spec.kind === 'histogram', text: 'run time (ms)', color: t.fg } },
        y: {
          beginAtZero: true, ticks: { color: t.fg, callback: (v) => spec.format(Number(v)) }, grid: { color: t.grid },
          title: { display: true, text: spec.yTitle, color: t.fg },
        },
      },
    },
  };
  charts.set(canvas, new Chart(canvas, config));
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', description);
}

export function dropChart(canvas: HTMLCanvasElement): void {
  charts.get(canvas)?.destroy();
  charts.delete(canvas);
}

/** Charts of canvases that left the document are destroyed (their tab was re-rendered). */
export function pruneCharts(): void {
  for (const [canvas, chart] of charts) if (!canvas.isConnected) { chart.destroy(); charts.delete(canvas); }
}
