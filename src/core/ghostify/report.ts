// Ghostify's result as text (CLI, the editor's output channel).
import type { GhostifyResult, OutputAgreement } from './types';

const pct = (x: number | null, digits = 1) => (x === null ? '—' : `${(100 * x).toFixed(digits)}%`);
const agreement = (a: OutputAgreement) => `output error ${pct(a.relError, 2)}${a.top1 !== null ? `, top-1 agreement ${pct(a.top1)}` : ''}`;

export function renderGhostify(r: GhostifyResult): string {
  const lines: string[] = [];
  const c = r.calibration;
  lines.push(`ghostified ${r.model} with ${r.source}: ${r.rewrite.applied.length} rewrite${r.rewrite.applied.length === 1 ? '' : 's'}, params ${r.rewrite.before.params.toLocaleString('en-US')} → ${r.rewrite.after.params.toLocaleString('en-US')}`);
  lines.push(`calibration: ${c.source}; fitted on ${c.fit}, measured on ${c.test} held-out samples`);
  lines.push('');
  lines.push('site                            fitted      fit error  error in the model');
  for (const s of r.sites) {
    lines.push(`${`${s.kind === 'stage' ? 'stage' : 'conv '} ${s.path}`.padEnd(32)}${`${s.fitted}/${s.channels}`.padEnd(12)}${pct(s.fitError, 2).padEnd(11)}${s.modelError === null ? '—' : pct(s.modelError, 2)}`);
  }
  lines.push('');
  lines.push(`whole model (held-out, before any training): ${agreement(r.output)}${r.heldOutClasses !== null ? ` (the original predicts ${r.heldOutClasses} distinct class${r.heldOutClasses === 1 ? '' : 'es'} on them)` : ''}`);
  if (r.baselines) {
    lines.push(`  same Ghost model, Ghost parts at random init (other layers copied): ${agreement(r.baselines.ghostRandom)}`);
    lines.push(`  same Ghost model, all at random init: ${agreement(r.baselines.allRandom)}`);
  }
  const t = r.tensors;
  lines.push(`tensors: ${t.copied} copied, ${t.sliced} sliced, ${t.fitted} fitted, ${t.set} set by rule, ${t.random.length} at random init`);
  lines.push(`wrote ${r.onnxPath}${r.weightsPath ? ` and ${r.weightsPath}` : ''} in ${r.seconds.toFixed(1)} s${r.peakRssBytes ? `, peak memory ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB` : ''}`);
  for (const s of r.sites) lines.push(`  ${s.path}: ${s.init}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
