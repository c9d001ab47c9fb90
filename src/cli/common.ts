// What the subcommands share: their options (node:util parseArgs), one FILE that must exist and
// be a file, integer options (bad input is a UsageError: exit 2, one line), and a progress line
// on the terminal.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { existsSync, statSync } from 'node:fs';
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
  const file = parsed.positionals[0];
  if (!file) throw new UsageError(needs);
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument '${parsed.positionals[1]}'`);
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  if (!statSync(path).isFile()) throw new UsageError(`not a file: ${file}`);
  return { values: parsed.values, file, path };
}

/** An integer option ≥ min, or undefined when not given. */
export function intOption(name: string, s: string | undefined, min: number): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return n;
}

/** A progress line on stderr (a TTY), rewritten in place; `clear()` gives what erases it. */
export function ttyProgress(): { update: (p: { message: string; fraction?: number }) => void; clear: () => string } {
  let shown = false;
  return {
    update: (p) => { shown = true; process.stderr.write(`\r\x1b[2K${p.message}${p.fraction !== undefined ? ` ${Math.round(100 * p.fraction)}%` : ''}`); },
    clear: () => { const s = shown ? '\r\x1b[2K' : ''; shown = false; return s; },
  };
}
