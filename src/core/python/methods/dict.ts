// dict's and set's methods, as natives over PyDict/PySet; makeBuiltins (builtins.ts) runs it.
import { PyTuple, PyList, PyDict, PySet, Descriptor, Unknown, CallArgs } from '../values';
import type { MethodKit } from '../builtins';
import { nf } from '../builtins';

export function defineDictMethods({ def, self, dict, set, dictNew }: MethodKit): void {
  const D = (a: CallArgs) => self(a) as PyDict;
  def(dict, 'get', (a) => { const v = D(a).get(a.pos[1]); return v !== undefined ? v : a.pos[2] ?? null; });
  def(dict, 'items', (a) => new PyList(D(a).entries().map(([k, v]) => new PyTuple([k, v]))));
  def(dict, 'keys', (a) => new PyList(D(a).keys()));
  def(dict, 'values', (a) => new PyList(D(a).values()));
  def(dict, 'pop', (a, ctx) => {
    const d = D(a); const v = d.get(a.pos[1]);
    if (v !== undefined) { d.delete(a.pos[1]); return v; }
    return a.pos.length > 2 ? a.pos[2] : ctx.raise('KeyError', ctx.repr(a.pos[1]));
  });
  def(dict, 'setdefault', (a) => { const d = D(a); if (!d.has(a.pos[1])) d.set(a.pos[1], a.pos[2] ?? null); return d.get(a.pos[1])!; });
  def(dict, 'update', (a, ctx) => { const r = dictNew({ pos: [dict, ...a.pos.slice(1)], kw: a.kw }, ctx); if (r instanceof PyDict) for (const [k, v] of r.entries()) D(a).set(k, v); return null; });
  def(dict, 'copy', (a) => D(a).copy());
  def(dict, 'clear', (a) => { D(a).map.clear(); return null; });
  def(dict, 'popitem', (a, ctx) => {
    const d = D(a);
    const last = d.entries().pop();
    if (!last) return ctx.raise('KeyError', "'popitem(): dictionary is empty'");
    d.delete(last[0]);
    return new PyTuple(last);
  });
  dict.dict.set('fromkeys', new Descriptor('staticmethod', nf('fromkeys', (a, ctx) => {
    const keys = ctx.iterate(a.pos[0]);
    if (keys instanceof Unknown) return keys;
    const d = new PyDict();
    for (const k of keys) d.set(k, a.pos[1] ?? null);
    return d;
  })));
  def(dict, '__len__', (a) => D(a).size);
  def(set, 'add', (a) => { (self(a) as PySet).add(a.pos[1]); return null; });
  def(set, '__len__', (a) => (self(a) as PySet).map.size);
}
