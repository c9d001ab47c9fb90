// `ghostlens` (dist/cli.js): runs the CLI (dist/cliMain.js) from the code V8 compiled for it in an
// earlier run. A fresh process otherwise compiles again every function the command calls; with the
// compiled code of the last run of the same command a fresh `ghostlens analyze` of timm
// efficientnet_b0 took ~518 -> ~477 ms median of 21 alternating runs. The code is kept per
// command (each compiles other functions) under cacheDir('code') (`GHOSTLENS_CODE_CACHE=off`
// turns it off), keyed by a hash of the bundle, node's version and the flags: V8 checks only the
// bundle's length and its own version and flags, so a rebuilt bundle must never meet old code.
// Any failure to read, compile or keep it falls back to a plain require of the bundle.
import { Script } from 'node:vm';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import { cacheDir } from '../cacheDir';
import { CLI_V8_FLAGS } from './v8flags';

interface CliModule { runCli(): void }

const BUNDLE = join(__dirname, 'cliMain.js');

/** Compiles the bundle with the kept code and runs its top level; the CLI's module, or null to fall back. */
function loadCompiled(dir: string): CliModule | null {
  let script: Script;
  let file: string, key: string, kept: { code: Buffer; ms: number } | undefined;
  try {
    const bytes = readFileSync(BUNDLE);
    key = createHash('sha1').update(bytes).update(`\0${process.version}\0${process.arch}\0${CLI_V8_FLAGS.join(' ')}`).digest('hex').slice(0, 32);
    const cmd = process.argv[2] ?? '';
    file = join(dir, `${key}-${/^[a-z][a-z-]{0,30}$/.test(cmd) ? cmd : 'other'}.bin`);
    kept = readKept(file);
    // The wrapper node gives a CommonJS module, so the bundle runs as it would under require().
    script = new Script(`(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`,
      { filename: BUNDLE, cachedData: kept?.code });
  } catch {
    return null;
  }
  // Made at exit: by then it holds every function the command compiled, not just the top level.
  // Only after a run that succeeded (a failing one stops early and compiles less), and again after
  // a run much longer than the kept one's (a bigger model reaches more of the engine: the kept
  // code then grows to the widest run's), as making it takes ~10 ms.
  const keptMs = kept && !script.cachedDataRejected ? kept.ms : -1;
  process.once('exit', (code) => {
    const ms = process.uptime() * 1000;
    if (code === 0 && (keptMs < 0 || ms > keptMs * 1.5 + 50)) keep(dir, key, file, script, ms);
  });
  const mod = { exports: {} as CliModule };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(BUNDLE), mod, BUNDLE, dirname(BUNDLE));
  return mod.exports;
}

/**
 * The kept code, after its checksum: V8 checks a cache's header but aborts the process on some
 * damaged ones (a file of random bytes crashed node 20 in its deserializer).
 */
function readKept(file: string): { code: Buffer; ms: number } | undefined {
  let b: Buffer;
  try { b = readFileSync(file); } catch { return undefined; }
  if (b.length <= HEAD) return undefined;
  const body = b.subarray(SUM);
  if (!createHash('sha1').update(body).digest().equals(b.subarray(0, SUM))) return undefined;
  return { code: b.subarray(HEAD), ms: body.readDoubleLE(0) };
}
// File: sha1 of the rest, the run's duration (ms, float64), V8's code.
const SUM = 20, HEAD = SUM + 8;

/** Writes the compiled code (temp file + rename) and removes that of other bundles; failures are silent. */
function keep(dir: string, key: string, file: string, script: Script, ms: number): void {
  try {
    // Only this user's: V8 runs what the folder holds as the CLI's code.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    const code = script.createCachedData();
    const body = Buffer.concat([Buffer.alloc(8), code]);
    body.writeDoubleLE(ms, 0);
    writeFileSync(tmp, Buffer.concat([createHash('sha1').update(body).digest(), body]), { mode: 0o600 });
    renameSync(tmp, file);
    for (const n of readdirSync(dir)) if (n.endsWith('.bin') && !n.startsWith(key)) { try { unlinkSync(join(dir, n)); } catch { /* another process took it */ } }
  } catch { /* compiled again next time */ }
}

for (const f of CLI_V8_FLAGS) { try { setFlagsFromString(f); } catch { /* tuning only */ } }
const dir = cacheDir('code', 'GHOSTLENS_CODE_CACHE');
const cli = (dir ? loadCompiled(dir) : null) ?? (createRequire(__filename)(BUNDLE) as CliModule);
cli.runCli();
