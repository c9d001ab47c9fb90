// Where GhostLens keeps what it can make again (parse trees, compiled CLI code): one folder per
// kind under `$XDG_CACHE_HOME/ghostlens` (`~/.cache/ghostlens`), each with its own variable to move
// it or turn it off. No imports beyond node's: the CLI's launcher (cli/launch.ts) uses it before
// the engine is loaded.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `env[variable]`: a folder, or `off`/`0`; else `$XDG_CACHE_HOME/ghostlens/<kind>`. Null: off. */
export function cacheDir(kind: string, variable: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env[variable]?.trim();
  if (v === 'off' || v === '0') return null;
  if (v) return v;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ghostlens', kind);
}
