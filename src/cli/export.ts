// `ghostlens export FILE -o OUT.onnx`: the model as ONNX without Python (random weights; node
// names are module paths), for onnxruntime, Netron or any ONNX tool.
import { writeFilesAtomically, checkWritable } from './safeWrite';
import { resolve } from 'node:path';
import { parseInputSpec, syntaxProblems } from '../core/python';
import { sourceToOnnx, ExportError } from '../core/onnx/export';
import { nodeHost, defaultLibraryPaths } from './nodeHost';
import { UsageError, parseCommand, intOption, readSource } from './common';

export function exportCommand(args: string[]): number {
  const { values: v, file, path } = parseCommand(args,
    { model: { type: 'string' }, input: { type: 'string' }, output: { type: 'string', short: 'o' }, seed: { type: 'string' } },
    'export needs a FILE (a .py model definition)');
  if (!v.output) throw new UsageError('export needs -o OUT.onnx');
  const seed = intOption('seed', v.seed, 0, 2 ** 32 - 1) ?? 1;
  checkWritable(resolve(v.output));
  const text = readSource(path, file);
  const bad = syntaxProblems(path, text)[0];
  if (bad) throw new UsageError(`${file}:${bad.line}: ${bad.message}`);
  let r;
  try {
    r = sourceToOnnx(nodeHost, path, text, { model: v.model, input: v.input ? parseInputSpec(v.input) : undefined, libraryPaths: defaultLibraryPaths(), seed });
  } catch (e) {
    if (e instanceof ExportError) throw new UsageError(`cannot export ${file}: ${e.message}`);
    throw e;
  }
  writeFilesAtomically([{ path: resolve(v.output), data: r.bytes }]);
  const shapes = (xs: { shape: number[] }[]) => xs.map((x) => x.shape.join('x')).join(', ');
  process.stderr.write(`wrote ${v.output}: ${r.graph.model}, ${r.export.nodes} nodes, ${(r.bytes.length / 1e6).toFixed(1)} MB, input ${shapes(r.export.inputs)} → output ${shapes(r.export.outputs)}\n`);
  const u = r.export.unknownValues;
  if (u.length) {
    process.stderr.write(`note: the values of ${u.length} buffer${u.length > 1 ? 's' : ''} computed at build time are unknown to the static analysis ` +
      `(${u.slice(0, 3).join(', ')}${u.length > 3 ? ', ...' : ''}); they are filled with placeholders: shapes and timing are right, output values are not\n`);
  }
  return 0;
}
