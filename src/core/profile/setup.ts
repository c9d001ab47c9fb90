// GPU profiling set-up. A packaged .vsix runs no npm install script, so onnxruntime-node's CUDA
// provider libraries (downloaded from NuGet by its postinstall on linux/x64) are never there.
// "GhostLens: Set up GPU profiling" installs onnxruntime-node, with that download, into the
// extension's global storage (`npm install --prefix <storage>/ort onnxruntime-node@<version>`)
// and the profiler uses it from then on; a setting can point at an existing install instead.
// This module is the plain part: paths, the command line, checks and failure messages.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

export interface OrtInstall {
  /** The onnxruntime-node package folder (what require() takes). */
  path: string;
  version: string;
  /** The native folder for this platform holds the CUDA provider libraries. */
  cuda: boolean;
}

export const binDir = (pkg: string, platform = process.platform, arch = process.arch) => join(pkg, 'bin', 'napi-v6', platform, arch);

/** What the CUDA execution provider needs beside the bundled runtime (linux/x64 only). */
export function cudaLibs(platform = process.platform, arch = process.arch): string[] {
  return platform === 'linux' && arch === 'x64' ? ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'] : [];
}

/**
 * An onnxruntime-node install at `dir`: the package folder itself, or a folder with
 * node_modules/onnxruntime-node (an npm prefix). `why` says what is wrong otherwise.
 */
export function resolveOrtPath(dir: string, platform = process.platform, arch = process.arch): { path: string; install: OrtInstall; why?: undefined } | { path: null; install?: undefined; why: string } {
  const candidates = [dir, join(dir, 'node_modules', 'onnxruntime-node')];
  for (const c of candidates) {
    let pkg: { name?: string; version?: string };
    try { pkg = JSON.parse(readFileSync(join(c, 'package.json'), 'utf8')); } catch { continue; }
    if (pkg.name !== 'onnxruntime-node') continue;
    const bin = binDir(c, platform, arch);
    if (!existsSync(join(bin, 'onnxruntime_binding.node'))) {
      return { path: null, why: `${c} is onnxruntime-node ${pkg.version ?? ''} without a native build for ${platform}/${arch} (${bin})` };
    }
    const libs = cudaLibs(platform, arch);
    return { path: c, install: { path: c, version: pkg.version ?? 'unknown', cuda: libs.length > 0 && libs.every((l) => existsSync(join(bin, l))) } };
  }
  return { path: null, why: `no onnxruntime-node install at ${dir} (expected its package folder, or a folder with node_modules/onnxruntime-node)` };
}

/** Where "Set up GPU profiling" installs (an npm prefix inside the extension's global storage). */
export const setupPrefix = (globalStorage: string) => join(globalStorage, 'ort');
const MARKER = 'ghostlens-ort.json';

/** The set-up's install, if it finished and checked out (the marker is written last). */
export function installedOrt(globalStorage: string, platform = process.platform, arch = process.arch): OrtInstall | null {
  const prefix = setupPrefix(globalStorage);
  if (!existsSync(join(prefix, MARKER))) return null;
  const r = resolveOrtPath(prefix, platform, arch);
  return r.path ? r.install : null;
}

export function markInstalled(globalStorage: string, install: OrtInstall): void {
  writeFileSync(join(setupPrefix(globalStorage), MARKER), JSON.stringify({ ...install, installedAt: new Date().toISOString() }, null, 1));
}

/**
 * The onnxruntime-node the profiler loads: the setting's install, else the set-up's, else the
 * bundled one (null). A setting that points nowhere useful is reported, never silently ignored.
 */
export function chooseOrt(setting: string, globalStorage: string | null): { path: string | null; why: string; problem?: string } {
  if (setting.trim()) {
    const r = resolveOrtPath(setting.trim());
    if (r.path) return { path: r.path, why: `ghostlens.profile.onnxruntimePath (${r.install.version}${r.install.cuda ? ', with CUDA libraries' : ''})` };
    return { path: null, why: 'bundled', problem: `ghostlens.profile.onnxruntimePath is ignored: ${r.why}` };
  }
  const inst = globalStorage ? installedOrt(globalStorage) : null;
  if (inst) return { path: inst.path, why: `installed by "Set up GPU profiling" (${inst.version})` };
  return { path: null, why: 'bundled' };
}

export interface InstallCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** npm on Windows is npm.cmd, which spawn runs only through a shell. */
  shell: boolean;
}

/** `npm install --prefix <prefix> onnxruntime-node@<version>` with the CUDA download forced on linux/x64. */
export function installCommand(prefix: string, version: string, opts: { platform?: NodeJS.Platform; arch?: NodeJS.Architecture; env?: NodeJS.ProcessEnv; npm?: string } = {}): InstallCommand {
  const platform = opts.platform ?? process.platform, arch = opts.arch ?? process.arch;
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
  // A skip inherited from the user's shell (or from GhostLens's own dev set-up) would defeat the point.
  delete env.ONNXRUNTIME_NODE_INSTALL;
  delete env.ONNXRUNTIME_NODE_INSTALL_CUDA;
  delete env.npm_config_onnxruntime_node_install;
  if (platform === 'linux' && arch === 'x64') env.ONNXRUNTIME_NODE_INSTALL = 'cuda12';
  const win = platform === 'win32';
  const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-package-lock', '--loglevel', 'http', `onnxruntime-node@${version}`];
  return {
    command: opts.npm ?? (win ? 'npm.cmd' : 'npm'),
    // Through cmd.exe the arguments are one command line, joined with spaces: each is quoted.
    args: win ? args.map(quoteForCmd) : args,
    env, cwd: prefix, shell: win,
  };
}

/**
 * An argument for a cmd.exe command line: quoted when it has spaces or cmd's operators (a
 * global-storage path under "C:\Users\Jane Doe" or with "&" in it). cmd expands %VAR% and !VAR!
 * even inside quotes and a quote cannot be escaped, so those are refused, not passed on.
 */
export function quoteForCmd(arg: string): string {
  if (/["%!\r\n\0]/.test(arg)) throw new SetupError(`cannot pass '${arg}' to npm through cmd.exe safely (it contains " % ! or a line break); set ghostlens.profile.onnxruntimePath to an install made by hand instead`);
  return /[\s&|<>()^,;=]/.test(arg) || arg === '' ? `"${arg}"` : arg;
}

/** What the set-up can add on this platform (nothing to download outside linux/x64). */
export function setupApplies(platform = process.platform, arch = process.arch): { applies: boolean; why: string } {
  if (platform === 'linux' && arch === 'x64') return { applies: true, why: 'downloads the CUDA 12 execution provider (CUDA and TensorRT profiling)' };
  if (platform === 'win32') return { applies: false, why: 'on Windows the bundled onnxruntime-node already has DirectML (GPU profiling with provider auto or dml); it has no CUDA download' };
  if (platform === 'darwin') return { applies: false, why: 'on macOS the bundled onnxruntime-node already has CoreML (provider auto or coreml); there is nothing to download' };
  return { applies: false, why: `onnxruntime-node offers no GPU download for ${platform}/${arch}` };
}

/** One line that says why an install failed and what still works. */
export function explainInstallFailure(f: { code: number | null; signal?: string | null; output: string; spawnError?: string }): string {
  const o = f.output;
  const tail = '. CPU profiling keeps working with the bundled onnxruntime-node.';
  if (f.spawnError) {
    if (/ENOENT/.test(f.spawnError)) return `npm was not found on the PATH: GPU set-up needs Node.js with npm installed (or set ghostlens.profile.onnxruntimePath to an onnxruntime-node install)${tail}`;
    return `npm could not be started: ${f.spawnError}${tail}`;
  }
  if (f.signal) return `the install was stopped (${f.signal})${tail}`;
  const net = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|CERT_\w+|SELF_SIGNED_CERT_IN_CHAIN)\b/.exec(o);
  const nuget = /nuget|Failed to (download|resolve package)/i.test(o);
  if (nuget) return `onnxruntime-node was fetched but its CUDA libraries could not be downloaded from NuGet (api.nuget.org)${net ? ` (${net[1]})` : ''}: offline or blocked by a proxy${tail}`;
  if (net) return `offline: npm could not reach the package registry (${net[1]}). Run the set-up again when online, or set ghostlens.profile.onnxruntimePath to an existing install${tail}`;
  if (/E404|404 Not Found/.test(o)) return `the registry has no such onnxruntime-node version (404)${tail}`;
  if (/EACCES|EPERM/.test(o)) return `npm could not write the install folder (permission denied)${tail}`;
  if (/ENOSPC/.test(o)) return `the disk is full${tail}`;
  const last = o.split(/\r?\n/).map((l) => l.trim()).filter((l) => /err/i.test(l)).slice(-2).join(' ') || o.trim().split(/\r?\n/).pop() || '';
  return `npm install failed (exit code ${f.code})${last ? `: ${last.slice(0, 300)}` : ''}${tail}`;
}

/** Runs the install, streaming its output lines; abort kills it. */
export function runInstall(cmd: InstallCommand, opts: { signal?: AbortSignal; onLine?: (line: string) => void } = {}): Promise<{ code: number | null; signal: string | null; output: string; spawnError?: string }> {
  mkdirSync(cmd.cwd, { recursive: true });
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const finish = (r: { code: number | null; signal: string | null; spawnError?: string }) => { if (!settled) { settled = true; resolve({ ...r, output }); } };
    if (opts.signal?.aborted) { finish({ code: null, signal: 'SIGTERM' }); return; }
    // Its own process group (POSIX), so a cancel also stops npm's children (the install script).
    const group = process.platform !== 'win32';
    const child = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: cmd.env, shell: cmd.shell, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: group });
    const onData = (d: Buffer) => {
      const s = d.toString('utf8');
      output = (output + s).slice(-200_000);
      for (const l of s.split(/\r?\n/)) if (l.trim()) opts.onLine?.(l.trim());
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const kill = (sig: NodeJS.Signals) => {
      try { if (group && child.pid) process.kill(-child.pid, sig); else child.kill(sig); } catch { /* already gone */ }
    };
    const abort = () => { kill('SIGTERM'); setTimeout(() => kill('SIGKILL'), 3000).unref(); };
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => finish({ code: null, signal: null, spawnError: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim() }));
    child.on('close', (code, signal) => { opts.signal?.removeEventListener('abort', abort); finish({ code, signal }); });
  });
}

/**
 * The whole set-up: install, check the CUDA libraries arrived, mark it done. Returns the install,
 * or throws SetupError with one clear line.
 */
export async function setUpGpu(globalStorage: string, version: string, opts: { signal?: AbortSignal; onLine?: (l: string) => void; env?: NodeJS.ProcessEnv; npm?: string; platform?: NodeJS.Platform; arch?: NodeJS.Architecture } = {}): Promise<OrtInstall> {
  const platform = opts.platform ?? process.platform, arch = opts.arch ?? process.arch;
  const applies = setupApplies(platform, arch);
  if (!applies.applies) throw new SetupError(`nothing to set up: ${applies.why}`);
  const prefix = setupPrefix(globalStorage);
  const cmd = installCommand(prefix, version, { platform, arch, env: opts.env, npm: opts.npm });
  const r = await runInstall(cmd, opts);
  if (opts.signal?.aborted) throw new SetupError('the GPU set-up was cancelled. CPU profiling keeps working with the bundled onnxruntime-node.');
  if (r.spawnError || r.code !== 0 || r.signal) throw new SetupError(explainInstallFailure(r));
  const res = resolveOrtPath(prefix, platform, arch);
  if (!res.path) throw new SetupError(`npm finished but left no usable onnxruntime-node: ${res.why}`);
  if (!res.install.cuda) {
    throw new SetupError(`onnxruntime-node ${res.install.version} was installed without its CUDA libraries (${cudaLibs(platform, arch).join(', ')} missing in ${binDir(res.path, platform, arch)}): the NuGet download did not happen. CPU profiling keeps working.`);
  }
  markInstalled(globalStorage, res.install);
  return res.install;
}

export class SetupError extends Error {}
