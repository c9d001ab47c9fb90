// What the subcommands share: their options (node:util parseArgs), one FILE that must exist and
// be a file, integer options (bad input is a UsageError: exit 2, one line), and a progress line
// on the terminal.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { existsSync, statSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Bad input: one clear line on stderr, exit 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `args` with `options` and one positional FILE (`needs`: the message when it is missing). */
export function parseCommand<O extends Options>(args: string[], options: O, needs: string) {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // An empty --model would silently mean "find one": say so instead.
  const model = (parsed.values as Record<string, unknown>).model;
  if (typeof model === 'string' && !model.trim()) throw new UsageError('--model is empty: give a Python expression such as resnet50(), or leave --model out to find the model automatically');
  const file = parsed.positionals[0];
  if (!file) throw new UsageError(needs);
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument '${parsed.positionals[1]}'`);
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  if (!statSync(path).isFile()) throw new UsageError(`not a file: ${file}`);
  return { values: parsed.values, file, path };
}

/**
 * An integer option in [min, max], or undefined when not given. Digits only: `1e3`, `0x10`, ` 5`
 * and 99999999999999999999 (which Number reads as 1e20) are refused, not reinterpreted.
 */
export function intOption(name: string, s: string | undefined, min: number, max = 1_000_000_000): number | undefined {
  if (s === undefined) return undefined;
  const n = /^[+-]?\d{1,16}$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${sanitize(s)}')`);
  return n;
}

/** A positive number option (seconds, ...) up to max, or undefined when not given. */
export function numberOption(name: string, s: string | undefined, max: number): number | undefined {
  if (s === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  if (!(n > 0 && n <= max)) throw new UsageError(`--${name} must be a number of seconds above 0 and at most ${max} (got '${sanitize(s)}')`);
  return n;
}

/**
 * Text from files or the user (ONNX node names, error messages) made safe for a terminal: no
 * escape sequences, control characters or NULs; one line.
 */
export function sanitize(s: string): string {
  return s
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '')
    .replace(/\r?\n/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => (c === '\t' ? ' ' : '\uFFFD'));
}

/** A progress line on stderr (a TTY), rewritten in place; `clear()` gives what erases it. */
export function ttyProgress(): { update: (p: { message: string; fraction?: number }) => void; clear: () => string } {
  let shown = false;
  return {
    update: (p) => { shown = true; process.stderr.write(`\r\x1b[2K${p.message}${p.fraction !== undefined ? ` ${Math.round(100 * p.fraction)}%` : ''}`); },
    clear: () => { const s = shown ? '\r\x1b[2K' : ''; shown = false; return s; },
  };
}

/**
 * A whole report for the terminal: line breaks kept, every other control character and escape
 * sequence removed, except colour (SGR) sequences when `colour` (ours; a name's own are harmless).
 */
export function terminalSafe(s: string, colour: boolean): string {
  return s
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, (seq) => (colour && /^\x1b\[[0-9;]*m$/.test(seq) ? seq : ''))
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '\uFFFD')
    .replace(/\x1b(?!\[[0-9;]*m)/g, '\uFFFD');
}

/** Source files larger than this are refused (a model definition is kilobytes; 20 MB parses slowly). */
export const MAX_SOURCE_BYTES = 32 * 2 ** 20;

/**
 * A Python source file as text: UTF-8 (a BOM is dropped). UTF-16 and binary files are refused
 * with a message instead of being read as text full of NULs.
 */
export function readSource(path: string, file: string): string {
  const size = statSync(path).size;
  if (size > MAX_SOURCE_BYTES) throw new UsageError(`${file} is ${(size / 2 ** 20).toFixed(0)} MB; source files of at most ${MAX_SOURCE_BYTES / 2 ** 20} MB are analysed`);
  const bytes = readFileSync(path);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw new UsageError(`${file} is UTF-16 text; save it as UTF-8`);
  if (bytes.includes(0)) throw new UsageError(`${file} is not a text file (it contains NUL bytes)`);
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
