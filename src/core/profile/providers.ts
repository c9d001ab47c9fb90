// Which execution provider runs the profile. `auto` tries CUDA → TensorRT → DirectML → CoreML →
// CPU among the backends onnxruntime-node lists (WebGPU only when forced: it is a browser-grade
// backend that rarely beats the native ones and often finds no adapter). A provider that fails
// to create a session (missing libcudart, no GPU, ...) is noted with onnxruntime's reason and the
// next one is tried; CPU always comes last, so a profile falls back instead of failing.
import type { ProviderChoice, ProviderName, ProviderNote } from './types';

/** Every provider in the order `auto` tries them (webgpu is skipped by `auto`). */
export const PROVIDERS: readonly ProviderName[] = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu'];
const AUTO: readonly ProviderName[] = ['cuda', 'tensorrt', 'dml', 'coreml', 'cpu'];

/** What onnxruntime-node's listSupportedBackends() returns. */
export interface Backend { name: string; bundled?: boolean }

/** The executionProviders entry of a provider (onnxruntime-node's names). */
export const ortName = (p: ProviderName): string => p;

/** onnxruntime's name of a provider in traces and errors (`CUDAExecutionProvider`). */
export const traceName: Record<ProviderName, string> = {
  cuda: 'CUDAExecutionProvider', tensorrt: 'TensorrtExecutionProvider', dml: 'DmlExecutionProvider',
  coreml: 'CoreMLExecutionProvider', webgpu: 'WebGpuExecutionProvider', cpu: 'CPUExecutionProvider',
};

export function isProviderChoice(s: string): s is ProviderChoice {
  return s === 'auto' || (PROVIDERS as readonly string[]).includes(s);
}

/** Accepts the names people type (`CUDA`, `directml`, `trt`, `CPUExecutionProvider`). */
export function parseProviderChoice(s: string): ProviderChoice | null {
  const k = s.trim().toLowerCase().replace(/executionprovider$/, '');
  const alias: Record<string, ProviderChoice> = { directml: 'dml', trt: 'tensorrt', gpu: 'cuda', '': 'auto' };
  const v = alias[k] ?? k;
  return isProviderChoice(v) ? v : null;
}

export interface ProviderPlan {
  /** Providers to try, in order (CPU last unless it is the forced one). */
  tries: ProviderName[];
  /** One note per provider: those not tried say why; tried ones are filled in by the runner. */
  notes: ProviderNote[];
}

/**
 * The providers to try for `choice` given the listed backends. A forced provider is tried first
 * and CPU after it (a forced provider that is not listed cannot be created: CPU, said so).
 * `exclude` names providers already known to fail, with why (e.g. one that crashed the process).
 */
export function planProviders(listed: readonly Backend[], choice: ProviderChoice, exclude: ReadonlyMap<ProviderName, string> = new Map()): ProviderPlan {
  const names = new Set(listed.map((b) => b.name.toLowerCase()));
  const isListed = (p: ProviderName) => names.has(ortName(p));
  const notes = new Map<ProviderName, ProviderNote>(PROVIDERS.map((p) => [p, { name: p, listed: isListed(p), used: false, why: '' }]));
  const tries: ProviderName[] = [];
  const consider = (p: ProviderName, reasonIfSkipped: string) => {
    const n = notes.get(p)!;
    if (exclude.has(p)) n.why = exclude.get(p)!;
    else if (!n.listed) n.why = reasonIfSkipped;
    else tries.push(p);
  };
  if (choice === 'auto') {
    for (const p of AUTO) consider(p, 'not listed by onnxruntime-node on this platform');
    notes.get('webgpu')!.why = isListed('webgpu') ? 'not tried by auto (force it with the provider setting)' : 'not listed by onnxruntime-node on this platform';
  } else {
    consider(choice, 'forced, but not listed by onnxruntime-node on this platform');
    for (const p of PROVIDERS) if (p !== choice && !notes.get(p)!.why) notes.get(p)!.why = `not tried: provider forced to ${choice}`;
    // A forced provider that cannot run still leaves a profile: CPU, said plainly.
    if (choice !== 'cpu') {
      const cpu = notes.get('cpu')!;
      cpu.why = '';
      consider('cpu', 'not listed by onnxruntime-node');
    }
  }
  if (!tries.includes('cpu') && isListed('cpu') && !exclude.has('cpu')) tries.push('cpu');
  return { tries, notes: PROVIDERS.map((p) => notes.get(p)!) };
}

/**
 * Creates a session with the first provider of the plan that works. `create` throws on failure;
 * `explain` turns its error into the note's reason (onnxruntime's own log line is more precise
 * than the exception). Throws AllProvidersFailed with every reason when none works.
 */
export async function createWithFallback<S>(
  plan: ProviderPlan, choice: ProviderChoice,
  create: (p: ProviderName) => Promise<S>,
  explain: (p: ProviderName, e: unknown) => string = (_p, e) => errorText(e),
  onTry?: (p: ProviderName) => void,
): Promise<{ provider: ProviderName; session: S; notes: ProviderNote[] }> {
  const notes = plan.notes.map((n) => ({ ...n }));
  const note = (p: ProviderName) => notes.find((n) => n.name === p)!;
  for (const p of plan.tries) {
    onTry?.(p);
    try {
      const session = await create(p);
      const n = note(p);
      n.used = true;
      n.why = choice === p ? `forced by the provider setting (${p})`
        : choice === 'auto' ? (p === 'cpu' ? 'no GPU provider could run (see the others)' : `first provider of auto that created a session`)
          : `fallback: the forced provider ${choice} could not run`;
      for (const later of plan.tries.slice(plan.tries.indexOf(p) + 1)) if (!note(later).why) note(later).why = `not needed: ${p} ran`;
      return { provider: p, session, notes };
    } catch (e) {
      note(p).why = `failed to create a session: ${explain(p, e)}`;
    }
  }
  throw new AllProvidersFailed(notes);
}

export class AllProvidersFailed extends Error {
  constructor(readonly notes: ProviderNote[]) {
    super(`no execution provider could run the model: ${notes.filter((n) => n.why.startsWith('failed')).map((n) => `${n.name}: ${n.why.replace(/^failed to create a session: /, '')}`).join('; ') || 'none is listed'}`);
  }
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).trim();

/**
 * A short reason from onnxruntime's error and the log lines it wrote to stderr around it:
 * `libcudart.so.12: cannot open shared object file` says more than "Failed to load shared library".
 */
export function explainProviderError(p: ProviderName, message: string, stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim()).filter(Boolean);
  const libHint: Record<ProviderName, RegExp> = {
    cuda: /cuda|providers_shared|cudnn|cublas/i, tensorrt: /tensorrt|nvinfer|providers_shared/i, dml: /directml|dml/i,
    coreml: /coreml/i, webgpu: /webgpu|adapter|dawn|vulkan/i, cpu: /$^/,
  };
  // "Failed to load library X with error: Y" → Y (it names the file that is missing).
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (!libHint[p].test(l)) continue;
    const m = /with error:\s*(.+)$/.exec(l) ?? /(Failed to get a WebGPU adapter[^.]*)/.exec(l) ?? /(CUDA failure \d+:.*)$/.exec(l);
    if (m) return shorten(m[1]);
  }
  const msg = message.replace(/^Error:\s*/, '');
  // Drop onnxruntime's source location and status prefix: `... [ONNXRuntimeError] : 1 : FAIL : why`.
  return shorten(msg.split('\n').pop()!.replace(/^.*\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '') || msg);
}

function shorten(s: string): string {
  // Absolute paths of the library folder add nothing but length; keep the file name.
  const t = s.replace(/\/(?:[^\s/:]+\/)+([^\s/:]+\.(?:so(?:\.\d+)*|dll|dylib))/g, '$1').trim();
  return t.length > 240 ? t.slice(0, 237) + '...' : t;
}
