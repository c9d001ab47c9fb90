// The CodeLens lines of the model class, the other model classes and the stages, as text.
import { ClassLens, StageLens } from './summary';
import { fmtInt, fmtMacs, fmtShape } from './format';
import type { InputSource } from '../workerProtocol';

/** Share of the model's MACs: the one base of every percentage GhostLens shows beside code. */
const share = (x: number | null) => (x === null ? '' : ` (${(100 * x).toFixed(1)}% of MACs)`);

export function classTitle(model: string, c: ClassLens): string {
  const io = `${c.inputs.map(fmtShape).join(', ') || '?'} \u2192 ${fmtShape(c.output)}`;
  if (c.root) return `${model}: ${io} \u00b7 ${fmtInt(c.params)} params \u00b7 ${fmtMacs(c.macs)} MACs`;
  const n = c.paths.length > 1 ? ` \u00d7${c.paths.length}` : '';
  return `${c.name}${n}: ${io}${c.paths.length > 1 ? ' (first)' : ''} \u00b7 ${fmtInt(c.params)} params \u00b7 ${fmtMacs(c.macs)} MACs${share(c.share)}`;
}

export function stageTitle(s: StageLens): string {
  return `stage ${s.path}: ${s.blocks} blocks, ${s.inChannels ?? '?'}\u2192${s.outChannels} ch at ${s.resolution[0]}\u00d7${s.resolution[1]} \u00b7 ` +
    `${fmtInt(s.params)} params \u00b7 ${fmtMacs(s.macs)} MACs${share(s.share)}`;
}

const FROM: Record<InputSource, string> = { comment: 'from the # ghostlens: comment', setting: 'from the ghostlens.input setting', default: 'default: set it' };

/** `input 1×3×224×224 (default: set it)`: the input every figure is for, and where it comes from. */
export function inputTitle(shapes: string, source: InputSource): string {
  return `input ${shapes} (${FROM[source]})`;
}
