// `ghostlens` command line: the same core as the editor, for terminals and CI.
import { parseArgs } from 'node:util';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeSource, AnalysisError, parseInputSpec, syntaxProblems } from '../core/python';
import { nodeHost } from './nodeHost';
import { toJson, renderTable } from './report';

const USAGE = `usage: ghostlens <command> [options]

commands:
  analyze FILE [--model EXPR] [--input 1x3x224x224] [--json] [--depth N]
      Shapes, parameters and MACs per layer and stage of a PyTorch model file,
      computed statically (no Python, no torch).

options:
  --model EXPR   Python expression evaluated in the file's namespace (e.g. 'resnet50()')
  --input SHAPE  input shape(s), e.g. 1x3x224x224 (several: 1x3x64x64,1x10)
  --json         machine-readable output (schema in the README)
  --depth N      table depth (default 3; 0 = all)
`;

/** Bad input: one clear line on stderr, exit 2. */
class UsageError extends Error {}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'analyze': return analyze(rest);
      case undefined: case '-h': case '--help': case 'help':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}' (try: ghostlens analyze FILE)`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof AnalysisError) {
      process.stderr.write(`ghostlens: ${e.message}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`ghostlens: internal error: ${msg}\n`);
    return 1;
  }
}

function analyze(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: { model: { type: 'string' }, input: { type: 'string' }, json: { type: 'boolean' }, depth: { type: 'string' } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const file = parsed.positionals[0];
  if (!file) throw new UsageError('analyze needs a FILE (a .py model definition)');
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument '${parsed.positionals[1]}'`);
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  if (!statSync(path).isFile()) throw new UsageError(`not a file: ${file}`);
  const text = readFileSync(path, 'utf8');
  // The editor works on half-typed code; the CLI insists on a file that parses.
  const bad = syntaxProblems(path, text)[0];
  if (bad) throw new UsageError(`${file}:${bad.line}: ${bad.message}`);
  const input = parsed.values.input ? parseInputSpec(parsed.values.input) : undefined;
  const graph = analyzeSource(nodeHost, path, text, { model: parsed.values.model, input });
  if (parsed.values.json) process.stdout.write(JSON.stringify(toJson(graph), null, 1) + '\n');
  else {
    const depth = parsed.values.depth !== undefined ? Number(parsed.values.depth) : 3;
    if (!Number.isInteger(depth) || depth < 0) throw new UsageError('--depth must be a non-negative integer');
    process.stdout.write(renderTable(graph, depth, process.stdout.isTTY === true));
  }
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
