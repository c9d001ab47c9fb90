// list's and tuple's methods, as natives over PyList/PyTuple; makeBuiltins (builtins.ts) runs it.
import { PyTuple, PyList, Unknown, CallArgs, num } from '../values';
import type { MethodKit } from '../builtins';
import { sortValues } from '../builtins';

export function defineListMethods({ it, def, self, list, tuple }: MethodKit): void {
  const L = (a: CallArgs) => self(a) as PyList;
  def(list, 'append', (a) => { L(a).items.push(a.pos[1]); return null; });
  def(list, 'extend', (a, ctx) => {
    const items = ctx.iterate(a.pos[1]);
    if (items instanceof Unknown) return null;
    const big = it.refuse('list', L(a).items.length + items.length, ctx.at);
    if (big) return null;
    for (const x of items) L(a).items.push(x);
    return null;
  });
  def(list, 'insert', (a) => { const l = L(a).items; it.budget.work(l.length); let i = num(a.pos[1] as number); if (i < 0) i += l.length; l.splice(Math.max(0, i), 0, a.pos[2]); return null; });
  def(list, 'pop', (a, ctx) => {
    const l = L(a).items;
    if (!l.length) ctx.raise('IndexError', 'pop from empty list');
    let i = a.pos.length > 1 ? num(a.pos[1] as number) : l.length - 1;
    if (i < 0) i += l.length;
    return l.splice(i, 1)[0];
  });
  def(list, 'index', (a, ctx) => { it.budget.work(L(a).items.length); const i = L(a).items.findIndex((x) => it.equals(x, a.pos[1])); return i < 0 ? ctx.raise('ValueError', 'not in list') : i; });
  def(list, 'count', (a) => { it.budget.work(L(a).items.length); return L(a).items.filter((x) => it.equals(x, a.pos[1])).length; });
  def(list, 'copy', (a) => new PyList(L(a).items.slice()));
  def(list, 'clear', (a) => { L(a).items.length = 0; return null; });
  def(list, 'reverse', (a) => { L(a).items.reverse(); return null; });
  def(list, 'remove', (a, ctx) => { const l = L(a).items; const i = l.findIndex((x) => it.equals(x, a.pos[1])); if (i < 0) ctx.raise('ValueError', 'list.remove(x): x not in list'); l.splice(i, 1); return null; });
  def(list, 'sort', (a, ctx) => { const r = sortValues(L(a).items, a.kw.get('key') ?? null, a.kw.get('reverse') === true, ctx); if (!(r instanceof Unknown)) L(a).items = r; return null; });
  def(list, '__len__', (a) => L(a).items.length);
  def(tuple, 'index', (a, ctx) => { const i = (self(a) as PyTuple).items.findIndex((x) => it.equals(x, a.pos[1])); return i < 0 ? ctx.raise('ValueError', 'not in tuple') : i; });
  def(tuple, 'count', (a) => (self(a) as PyTuple).items.filter((x) => it.equals(x, a.pos[1])).length);
}
