// Writing the user's files so that none is ever lost or half-written: every file of one command
// goes to a temporary file in its own folder first (a full disk or a permission fails there, with
// the old files untouched), then each is renamed over its target (atomic on one file system).
// If a later rename fails, the earlier ones are undone: a rewrite's ghost_modules.py never stays
// behind without the model file that imports it. Symbolic links are not written through.
import * as fs from 'node:fs';
import { copyFileSync, closeSync, fsyncSync, linkSync, lstatSync, openSync, realpathSync, statSync, unlinkSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A file could not be written; nothing of the command's writes was left behind. */
export class WriteError extends Error {}

export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
  /** The folder the file must be in (ghost_modules.py beside the model): checked after links resolve. */
  within?: string;
}

const CAUSES: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is too large for the file system',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'an input/output error',
};

/** One line for a failed file operation: what, where, and the system's reason in words. */
export function describeFsError(e: unknown, what: string, path: string): string {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  const why = CAUSES[code] ?? ((e as Error)?.message ?? String(e)).replace(/^[A-Z]+: /, '');
  return `cannot ${what} ${path}: ${why}${code && CAUSES[code] ? ` (${code})` : ''}`;
}

function checkTarget(f: FileToWrite): string {
  const path = resolve(f.path);
  let st;
  try { st = lstatSync(path); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new WriteError(describeFsError(e, 'write', path)); }
  if (st?.isSymbolicLink()) throw new WriteError(`cannot write ${path}: it is a symbolic link (GhostLens does not write through links; replace it with a file or choose another path)`);
  if (st?.isDirectory()) throw new WriteError(`cannot write ${path}: it is a folder`);
  if (st && !st.isFile()) throw new WriteError(`cannot write ${path}: it is not a regular file`);
  let dir: string;
  try { dir = realpathSync(dirname(path)); } catch (e) { throw new WriteError(describeFsError(e, 'write', path)); }
  if (!statSync(dir).isDirectory()) throw new WriteError(`cannot write ${path}: ${dirname(path)} is not a folder`);
  if (f.within !== undefined) {
    let want: string;
    try { want = realpathSync(f.within); } catch (e) { throw new WriteError(describeFsError(e, 'write into', f.within)); }
    if (dir !== want) throw new WriteError(`cannot write ${path}: it resolves outside ${f.within}`);
  }
  return join(dir, basename(path));
}

/** The two calls a test may replace to inject faults (a full disk mid-write, a failing rename). */
export interface WriteIo {
  writeSync(fd: number, buf: Uint8Array, off: number, len: number): number;
  renameSync(from: string, to: string): void;
}
const nodeIo: WriteIo = { writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l), renameSync: (a, b) => fs.renameSync(a, b) };

function writeTemp(target: string, data: string | Uint8Array, mode: number | null, io: WriteIo): string {
  const tmp = join(dirname(target), `.${basename(target)}.ghostlens-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', mode ?? 0o666);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < buf.length;) off += io.writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    if (mode !== null) chmodSync(tmp, mode);
    return tmp;
  } catch (e) {
    if (fd !== null) try { closeSync(fd); } catch { /* already failing */ }
    try { unlinkSync(tmp); } catch { /* never made */ }
    throw new WriteError(describeFsError(e, 'write', target));
  }
}

/** Checks up front that `path` could be written (before the work that makes its contents). */
export function checkWritable(path: string): void {
  checkTarget({ path, data: '' });
}

/** Writes all `files` or none: see the top of this file. */
export function writeFilesAtomically(files: FileToWrite[], io: WriteIo = nodeIo): void {
  const targets = files.map(checkTarget);
  const temps: string[] = [];
  try {
    targets.forEach((t, i) => {
      let mode: number | null = null;
      try { mode = statSync(t).mode & 0o7777; } catch { /* a new file */ }
      temps.push(writeTemp(t, files[i].data, mode, io));
    });
  } catch (e) {
    for (const t of temps) try { unlinkSync(t); } catch { /* gone */ }
    throw e;
  }
  // Backups (hard links to the old files) let a failed later rename undo the earlier ones.
  const done: { target: string; existed: boolean; backup: string | null }[] = [];
  let pending: string | null = null;
  try {
    targets.forEach((t, i) => {
      const existed = exists(t);
      let backup: string | null = null;
      if (existed) {
        backup = `${temps[i]}.old`;
        try { linkSync(t, backup); } catch { try { copyFileSync(t, backup); } catch { backup = null; } }
      }
      pending = backup;
      io.renameSync(temps[i], t);
      pending = null;
      done.push({ target: t, existed, backup });
    });
  } catch (e) {
    // The file whose rename failed is as it was: only its backup goes.
    if (pending) try { unlinkSync(pending); } catch { /* gone */ }
    for (const d of done.reverse()) {
      // An old file comes back from its backup; a new one goes; an old one without a backup stays as is.
      try { if (d.backup) fs.renameSync(d.backup, d.target); else if (!d.existed) unlinkSync(d.target); } catch { /* best effort */ }
    }
    for (const t of temps) try { unlinkSync(t); } catch { /* renamed or gone */ }
    throw new WriteError(describeFsError(e, 'replace', targets[done.length] ?? targets[0]));
  }
  for (const d of done) if (d.backup) try { unlinkSync(d.backup); } catch { /* gone */ }
}

function exists(p: string): boolean {
  try { lstatSync(p); return true; } catch { return false; }
}
