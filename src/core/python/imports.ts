// Resolves Python imports: builtin namespaces (torch, math, ...) first, then files of the
// workspace, found relative to the importing file (relative imports) or in its folder and its
// parents (package-absolute imports such as `from torchvision.ops import X`).
import { Value, Span, PyNamespace, Scope, Unknown, LazyImport } from './values';
import { SourceFile } from './source';
import type { Interpreter } from './interp';

/** The only I/O the engine does, injected so the core stays pure. */
export interface FileHost {
  readFile(path: string): string | null;
  isFile(path: string): boolean;
  isDir(path: string): boolean;
  /**
   * An analysis starts (ModuleResolver): a host that keeps what it learnt of the file system
   * checks it again from here on (nodeHost.ts keeps folder listings while their folders are unchanged).
   */
  newAnalysis?(): void;
}

const dirname = (p: string): string => { const i = p.lastIndexOf('/'); return i <= 0 ? '/' : p.slice(0, i); };
const join = (...ps: string[]): string => {
  const j = ps.join('/');
  // The regex only where a part ends or starts with a slash (imports build thousands of these).
  return j.includes('//') ? j.replace(/\/+/g, '/') : j;
};

export interface LoadedModule { ns: PyNamespace; file: SourceFile | null; path: string | null }

export class ModuleResolver {
  /** Builtin namespaces by dotted name (filled by the interpreter). */
  readonly builtin = new Map<string, PyNamespace>();
  private loaded = new Map<string, PyNamespace>();
  private packages = new Map<PyNamespace, string>();
  private files = new Map<string, SourceFile>();
  private probes = new Map<string, boolean>();
  constructor(
    readonly host: FileHost,
    readonly parse: (path: string, text: string) => SourceFile,
    /** Folders searched after the file's own folder and its parents (installed libraries' sources). */
    readonly libraryPaths: string[] = [],
    readonly maxParents = 8,
  ) {
    host.newAnalysis?.();
  }

  /** Module object for `import a.b` / `from a.b import *` (level = number of leading dots). */
  importModule(it: Interpreter, from: SourceFile, level: number, name: string, at: Span | null): Value {
    if (level === 0) {
      const b = this.builtin.get(name);
      if (b) return b;
      const top = name.split('.')[0];
      if (this.builtin.has(top)) return new Unknown(`'${name}' is not modelled`, at);
    }
    const path = this.findModuleFile(from, level, name);
    if (!path) return this.unresolved(name, level, at);
    return this.load(it, path, name);
  }

  /** `from m import name`: an attribute of m, or its submodule m.name. */
  importFrom(it: Interpreter, from: SourceFile, level: number, modName: string, name: string, at: Span | null): Value {
    if (level === 0) {
      const b = this.builtin.get(modName);
      if (b) {
        let v: Value | undefined = b.attrs.get(name);
        if (v === undefined) v = this.builtin.get(`${modName}.${name}`);
        return v === undefined ? new Unknown(`'${modName}.${name}' is not modelled`, at) : v instanceof LazyImport ? v.resolve() : v;
      }
      if (this.builtin.has(modName.split('.')[0])) return new Unknown(`'${modName}.${name}' is not modelled`, at);
    }
    // A submodule file wins without running the package's __init__ (keeps imports cheap).
    const sub = this.findModuleFile(from, level, modName ? `${modName}.${name}` : name);
    if (sub) {
      const mod = this.load(it, sub, name);
      // `from pkg import resnet` where pkg/__init__ re-exports `from .resnet import *` (or `import resnet`)
      // binds the function, not the submodule (torchvision: `from torchvision.models import googlenet`).
      const init = sub.replace(/\/[^/]+(\/__init__)?\.py$/, '/__init__.py');
      const initText = init !== sub ? this.host.readFile(init) : null;
      if (initText && new RegExp(`^\\s*from\\s+\\.${name}\\s+import\\s+(\\*|.*\\b${name}\\b)`, 'm').test(initText)) {
        const v = mod.attrs.get(name);
        if (v !== undefined) return v instanceof LazyImport ? v.resolve() : v;
      }
      return mod;
    }
    const modPath = this.findModuleFile(from, level, modName);
    if (!modPath) return this.unresolved(modName || '.', level, at);
    const ns = this.load(it, modPath, modName);
    let v = ns.attrs.get(name);
    if (v instanceof LazyImport) v = v.resolve();
    if (v === undefined) return new Unknown(`cannot import '${name}' from '${modName}'`, at);
    return v;
  }

  /** Attribute of a package namespace that is a submodule file (torchvision.ops, ...). */
  submodule(it: Interpreter, ns: PyNamespace, name: string, at: Span | null): Value | undefined {
    const b = this.builtin.get(`${ns.name}.${name}`);
    if (b) return b;
    const dir = this.packages.get(ns);
    if (!dir) return undefined;
    for (const p of [join(dir, `${name}.py`), join(dir, name, '__init__.py')]) {
      if (this.isFile(p)) { const m = this.load(it, p, `${ns.name}.${name}`); ns.attrs.set(name, m); return m; }
    }
    void at;
    return undefined;
  }

  /**
   * Could `import name` succeed? Modelled and standard-library modules, and any file found, say
   * yes; a module found nowhere (workspace, library paths) says no, as Python would here.
   */
  mayExist(from: SourceFile, level: number, name: string): boolean {
    if (level === 0) {
      const top = name.split('.')[0];
      if (this.builtin.has(name) || this.builtin.has(top) || STDLIB.has(top)) return true;
    }
    return this.findModuleFile(from, level, name) !== null;
  }

  /** `name` resolves to a file of the user's project (not a builtin, not an installed library). */
  isProjectModule(from: SourceFile, name: string): boolean {
    if (this.builtin.has(name) || this.builtin.has(name.split('.')[0])) return false;
    const path = this.findModuleFile(from, 0, name);
    return path !== null && !this.libraryPaths.some((lib) => path.startsWith(lib.endsWith('/') ? lib : `${lib}/`)) && !/\/(site|dist)-packages\//.test(path);
  }

  private unresolved(name: string, level: number, at: Span | null): Value {
    return new Unknown(`cannot resolve import '${'.'.repeat(level)}${name}'`, at);
  }

  findModuleFile(from: SourceFile, level: number, name: string): string | null {
    const parts = name ? name.split('.') : [];
    const candidates = (base: string): string[] => {
      if (!parts.length) return [join(base, '__init__.py')];
      const p = join(base, ...parts);
      return [p + '.py', join(p, '__init__.py')];
    };
    if (level > 0) {
      let base = dirname(from.path);
      for (let i = 1; i < level; i++) base = dirname(base);
      for (const c of candidates(base)) if (this.isFile(c)) return c;
      return null;
    }
    // `a.b.c` can only be under a folder that has the package `a`: one probe per folder and
    // package (kept for the analysis) instead of two per folder and import.
    const found = (base: string): string | null => {
      if (parts.length > 1 && !this.isDirCached(join(base, parts[0]))) return null;
      for (const c of candidates(base)) if (this.isFile(c)) return c;
      return null;
    };
    let dir = dirname(from.path);
    for (let i = 0; i <= this.maxParents; i++) {
      const c = found(dir);
      if (c) return c;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    for (const lib of this.libraryPaths) { const c = found(lib); if (c) return c; }
    return null;
  }

  /** A module already imported (or builtin), by dotted name, as `sys.modules[name]` finds it. */
  moduleNamed(name: string): PyNamespace | undefined {
    for (const ns of this.loaded.values()) if (ns.attrs.get('__name__') === name) return ns;
    return this.builtin.get(name);
  }

  /**
   * The module's dotted name as Python gives it: its folders up to the last one without an
   * `__init__.py` (`timm/models/resnet.py` → `timm.models.resnet`), however it was imported.
   * Registries key on it (`sys.modules[fn.__module__]` in timm's @register_model).
   */
  dottedName(path: string): string | null {
    const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.py$/, '');
    const parts = base === '__init__' ? [] : [base];
    let dir = dirname(path);
    while (this.isFile(join(dir, '__init__.py'))) {
      parts.unshift(dir.slice(dir.lastIndexOf('/') + 1));
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    return parts.length ? parts.join('.') : null;
  }

  private load(it: Interpreter, path: string, imported: string): PyNamespace {
    const hit = this.loaded.get(path);
    if (hit) return hit;
    const name = this.dottedName(path) ?? imported;
    const text = this.host.readFile(path) ?? '';
    const file = this.parse(path, text);
    this.files.set(path, file);
    const scope = new Scope(null, 'module', file);
    const ns = new PyNamespace(name, scope.vars, file);
    scope.vars.set('__name__', name);
    scope.vars.set('__file__', path);
    this.loaded.set(path, ns);
    if (path.endsWith('__init__.py')) this.packages.set(ns, dirname(path));
    // Library modules run without recording notes: only what reaches the model matters.
    const rec = it.recording;
    it.recording = false;
    try { it.runModule(file, ns, scope); } finally { it.recording = rec; }
    return ns;
  }

  private dirProbes = new Map<string, boolean>();
  private isDirCached(p: string): boolean {
    let r = this.dirProbes.get(p);
    if (r === undefined) { r = this.host.isDir(p); this.dirProbes.set(p, r); }
    return r;
  }

  /** isFile, asked once per path per analysis (imports probe many candidate paths). */
  private isFile(p: string): boolean {
    let r = this.probes.get(p);
    if (r === undefined) { r = this.host.isFile(p); this.probes.set(p, r); }
    return r;
  }

  sourceOf(path: string): SourceFile | undefined { return this.files.get(path); }

  /** Runs the analysed file itself as `__main__`-like module. */
  runMain(it: Interpreter, file: SourceFile): { ns: PyNamespace; scope: Scope } {
    it.mainFile = file;
    this.files.set(file.path, file);
    const scope = new Scope(null, 'module', file);
    const ns = new PyNamespace(file.path.replace(/^.*\//, '').replace(/\.py$/, ''), scope.vars, file);
    // In a package it is the module its package imports (so registries see one module); a plain
    // script is not `__main__` either: its `if __name__ == '__main__':` block does not run.
    const dotted = this.dottedName(file.path);
    scope.vars.set('__name__', dotted && dotted.includes('.') ? dotted : '__ghostlens__');
    scope.vars.set('__file__', file.path);
    this.loaded.set(file.path, ns);
    it.runModule(file, ns, scope);
    return { ns, scope };
  }
}

/** Top-level standard-library modules (Python 3.11): present wherever the model runs. */
const STDLIB = new Set(('abc argparse array ast asyncio base64 bisect builtins bz2 calendar cmath collections colorsys contextlib ' +
  'contextvars copy copyreg csv ctypes dataclasses datetime decimal difflib dis enum errno fnmatch fractions functools gc getpass ' +
  'glob gzip hashlib heapq hmac html http importlib inspect io ipaddress itertools json keyword linecache locale logging lzma math ' +
  'mimetypes multiprocessing numbers operator os pathlib pickle platform pprint queue random re reprlib secrets select shlex shutil ' +
  'signal socket sqlite3 ssl stat statistics string struct subprocess sys tarfile tempfile textwrap threading time timeit token ' +
  'tokenize traceback types typing unicodedata unittest urllib uuid warnings weakref xml zipfile zlib __future__').split(' '));
