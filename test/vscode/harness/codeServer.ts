// A fresh code-server per session: its own user data, extensions, XDG and TMP folders in a sandbox
// (nothing lands in $HOME), a free port on 127.0.0.1, stopped by its process group.
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, request } from 'node:http';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
export const CODE_SERVER_DIR = process.env.GHOSTLENS_CODE_SERVER_DIR || join(ROOT, '.e2e', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const FIXTURES = join(ROOT, 'test', 'vscode', 'fixtures');

export interface Sandbox {
  root: string;
  userData: string;
  extensions: string;
  workspace: string;
  log: string;
  env: NodeJS.ProcessEnv;
}

export interface SandboxOptions {
  /** Folders whose files are copied into the workspace. */
  workspaceFrom: string[];
  /** Extra user settings over fixtures/User/settings.json. */
  settings?: Record<string, unknown>;
  /** Variables for code-server and its extension host. */
  env?: Record<string, string>;
}

export function makeSandbox(name: string, opts: SandboxOptions): Sandbox {
  // Under the system temp folder: code-server's IPC socket paths must stay short.
  const root = mkdtempSync(join(tmpdir(), `ghostlens-e2e-${name}-`));
  const s: Sandbox = {
    root, userData: join(root, 'user-data'), extensions: join(root, 'extensions'), workspace: join(root, 'workspace'),
    log: join(root, 'code-server.log'),
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(root, 'xdg', 'config'),
      XDG_DATA_HOME: join(root, 'xdg', 'data'),
      XDG_CACHE_HOME: join(root, 'xdg', 'cache'),
      TMPDIR: join(root, 'tmp'),
      ORT_DISABLE_TELEMETRY: '1',
      ...opts.env,
    },
  };
  for (const d of [s.userData, join(s.userData, 'User'), s.extensions, s.workspace, s.env.XDG_CONFIG_HOME!, s.env.XDG_DATA_HOME!, s.env.TMPDIR!]) {
    mkdirSync(d, { recursive: true });
  }
  for (const from of opts.workspaceFrom) cpSync(from, s.workspace, { recursive: true });
  const settings = { ...JSON.parse(readFileSync(join(FIXTURES, 'User', 'settings.json'), 'utf8')), ...opts.settings };
  writeFileSync(join(s.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  return s;
}

export function removeSandbox(s: Sandbox): void {
  rmSync(s.root, { recursive: true, force: true });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function baseArgs(s: Sandbox, port: number): string[] {
  const config = join(s.root, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  return ['--config', config, '--user-data-dir', s.userData, '--extensions-dir', s.extensions];
}

/** `code-server --install-extension x.vsix` into the sandbox's extensions folder. */
export function installVsix(s: Sandbox, vsix: string): string {
  const r = spawnSync(process.execPath, [CODE_SERVER_ENTRY, ...baseArgs(s, 0), '--install-extension', vsix, '--force'], {
    env: s.env, encoding: 'utf8', timeout: 120_000,
  });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout)) {
    throw new Error(`install-extension failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout.trim();
}

export interface Running { port: number; child: ChildProcess; url(query?: string): string }

export async function startCodeServer(s: Sandbox, opts: { trust?: boolean } = {}): Promise<Running> {
  const port = await freePort();
  const out = openSync(s.log, 'a');
  const args = [
    CODE_SERVER_ENTRY, ...baseArgs(s, port),
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened',
    ...(opts.trust === false ? [] : ['--disable-workspace-trust']),
    s.workspace,
  ];
  // Its own process group: the extension host, pty host and file watcher go with it.
  const child = spawn(process.execPath, args, { env: s.env, stdio: ['ignore', out, out], detached: true });
  child.unref();
  await waitHttp(`http://127.0.0.1:${port}/healthz`, 60_000, child);
  return {
    port, child,
    url: (query = '') => `http://127.0.0.1:${port}/?folder=${encodeURIComponent(s.workspace)}${query}`,
  };
}

function waitHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (child.exitCode !== null) { reject(new Error(`code-server exited (${child.exitCode}) before it answered`)); return; }
      const req = request(url, (res) => { res.resume(); resolve(); });
      req.on('error', () => {
        if (Date.now() > deadline) reject(new Error(`no answer from ${url} in ${timeoutMs / 1000} s`));
        else setTimeout(tick, 200);
      });
      req.end();
    };
    tick();
  });
}

/** Stops code-server and everything it started (its process group). */
export async function stopCodeServer(r: Running): Promise<void> {
  const pid = r.child.pid;
  if (!pid) return;
  try { process.kill(-pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 50; i++) {
    try { process.kill(-pid, 0); } catch { return; }
    await new Promise((res) => setTimeout(res, 100));
  }
  try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
}

export const available = (): boolean => existsSync(CODE_SERVER_ENTRY);
