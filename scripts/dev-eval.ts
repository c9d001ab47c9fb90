// Developer probe: evaluate an expression in a file's namespace and print it with the notes.
import { readFileSync } from 'node:fs';
import { SourceFile, SourceCache } from '../src/core/python/source';
import { Interpreter } from '../src/core/python/interp';
import { ModuleResolver } from '../src/core/python/imports';
import { nodeHost } from '../src/cli/nodeHost';
const [path, expr] = process.argv.slice(2);
const cache = new SourceCache();
const r = new ModuleResolver(nodeHost, (p, t) => cache.get(p, t));
const it = new Interpreter(r);
it.recording = true;
const { scope } = r.runMain(it, cache.get(path, readFileSync(path, 'utf8')));
const ef = new SourceFile('<e>', expr);
it.setFile(ef);
try { const v = it.eval(ef.top.firstChild!.firstChild!, scope); console.log(it.repr(v), v); } catch (e) { console.log('EXC', e); }
for (const n of it.notes) console.log('note', n.reason, n.at && r.sourceOf(n.at.file)?.line(n.at.from), n.at?.file);
