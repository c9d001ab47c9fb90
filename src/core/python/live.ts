// The interpreter's façade for the rest of the core (rewrite, ONNX export, ghostify, profile):
// build a model from a file, rebuild a module class with other arguments, call a module on
// shape-only inputs, read its modules and the forward's trace — without reaching into the
// interpreter, nn.Module or tensor internals (eslint.config.mjs enforces that).
import type { Value, PyClass, PyInstance } from './values';
import { Tensor } from './values';
import { PyException, BudgetExceeded } from './interp';
import { callModule, isModule, namedModules as walkModules } from './torch/module';
import { mkTensor } from './torch/tensor';
import type { LiveModel } from './analyze';

export { analyzeModel, analyzeSource, AnalysisError, syntaxProblems } from './analyze';
export type { LiveModel, AnalyzeOptions } from './analyze';

/** The constructor call that built a module: its class and arguments as the interpreter saw them. */
export type ModuleCtor = NonNullable<NonNullable<PyInstance['module']>['ctor']>;

/** Raised by Python code run through the façade (a TypeError in a constructor, a shape mismatch, ...) or by the analysis budget. */
export function isModelError(e: unknown): boolean {
  return e instanceof PyException || e instanceof BudgetExceeded;
}

/** `cls(*pos, **kw)` in the model's interpreter; null when the result is not an nn.Module. Throws what isModelError accepts. */
export function construct(live: LiveModel, cls: PyClass, pos: Value[], kw: Map<string, Value>): PyInstance | null {
  const v = live.it.instantiate(cls, pos, kw, null);
  return isModule(v) ? v : null;
}

/** `m(*tensors)` on fresh float32 tensors of these shapes; its output (Unknown when the forward fails). */
export function forward(live: LiveModel, m: PyInstance, shapes: number[][]): Value {
  return callModule(live.it, m, shapes.map((s) => mkTensor(s)), new Map(), null);
}

/** The output's shape when it is one tensor, else null. */
export function tensorShape(v: Value): number[] | null {
  return v instanceof Tensor ? v.shape : null;
}

/** Runs `f` with the op trace and effect recording off: probes must not add to the model's record. */
export function unrecorded<T>(live: LiveModel, f: () => T): T {
  const rec = live.it.recording;
  live.it.recording = false;
  try {
    return f();
  } finally {
    live.it.recording = rec;
  }
}

/** named_modules() of a module: pre-order, registration order, each once; '' is the module itself. */
export function namedModules(root: PyInstance): [string, PyInstance][] {
  return walkModules(root);
}

/** Python's repr() of a value. */
export function repr(live: LiveModel, v: Value): string {
  return live.it.repr(v);
}

/** Python's == between two values. */
export function equals(live: LiveModel, a: Value, b: Value): boolean {
  return live.it.equals(a, b);
}

// Parse trees kept between processes (the CLI and engine processes set a store up; see src/treeStore.ts).
export { useTreeStore } from './source';
export type { TreeStore } from './source';
export { PARSER_FINGERPRINT } from './treeCodec';
