// Parse trees kept on disk between processes (core/python/treeCodec.ts says what is kept and how
// it is checked): the CLI's cold start and the editor engine's first analysis read the trees of
// the files a model imports instead of parsing them again. Keyed by a hash of the text and of the
// parser itself (grammar and mask), so an edited file or another GhostLens version never
// reads a tree that is not its own. Writes are atomic (temp file + rename) and every failure is
// silent: without the cache, files are parsed as before.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cacheDir';
import { PARSER_FINGERPRINT, useTreeStore, TreeStore } from './core/python/live';

/** Files kept before the oldest are removed (a file is about 13 bytes per character of source). */
const MAX_FILES = 4000;

/** `GHOSTLENS_TREE_CACHE`: a folder, or `off`; else `$XDG_CACHE_HOME/ghostlens/trees` (`~/.cache/...`). */
export function treeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  return cacheDir('trees', 'GHOSTLENS_TREE_CACHE', env);
}

export function diskTreeStore(dir: string): TreeStore {
  const fingerprint = createHash('sha256').update(PARSER_FINGERPRINT).digest('hex').slice(0, 16);
  const file = (text: string) => join(dir, `${createHash('sha256').update(fingerprint).update(text).digest('hex')}.tree`);
  let ready = false;
  let writes = 0;
  return {
    load(text) {
      try {
        const b = readFileSync(file(text));
        if (b.byteLength % 4) return null;
        return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      } catch { return null; }
    },
    save(text, flat) {
      try {
        if (!ready) { mkdirSync(dir, { recursive: true }); ready = true; }
        const to = file(text);
        const tmp = `${to}.${process.pid}.tmp`;
        writeFileSync(tmp, new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength));
        renameSync(tmp, to);
        if (++writes % 200 === 1) prune(dir);
      } catch { /* no cache: parsed again next time */ }
    },
  };
}

/** Keeps the folder under MAX_FILES: the least recently written half goes. */
function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.tree'));
  if (names.length <= MAX_FILES) return;
  const aged = names.map((n) => { try { return { n, t: statSync(join(dir, n)).mtimeMs }; } catch { return { n, t: 0 }; } }).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, aged.length - MAX_FILES / 2)) { try { unlinkSync(join(dir, n)); } catch { /* another process took it */ } }
}

/** For the engine's processes (CLI, analysis child): parses keep their trees in treeCacheDir(). */
export function useDiskTreeStore(env: NodeJS.ProcessEnv = process.env): void {
  const dir = treeCacheDir(env);
  useTreeStore(dir ? diskTreeStore(dir) : null);
}
