// int's and float's methods and number properties (real, imag, ...); makeBuiltins (builtins.ts) runs it.
import { Value, PyFloat, PyClass, Descriptor, num } from '../values';
import type { MethodKit } from '../builtins';
import { nf } from '../builtins';

export function defineNumberMethods({ def, self, int, float }: MethodKit): void {
  def(float, 'is_integer', (a) => Number.isInteger((self(a) as PyFloat).v));
  // Number attributes: real/imag/numerator/denominator are properties (bools read as ints).
  const prop = (c: PyClass, name: string, get: (v: number) => Value) =>
    c.dict.set(name, new Descriptor('property', nf(name, (a) => get(num(self(a) as number)))));
  prop(int, 'real', (v) => v); prop(int, 'imag', () => 0); prop(int, 'numerator', (v) => v); prop(int, 'denominator', () => 1);
  prop(float, 'real', (v) => new PyFloat(v)); prop(float, 'imag', () => new PyFloat(0));
  def(int, 'conjugate', (a) => num(self(a) as number));
  def(int, 'bit_length', (a) => { const v = Math.abs(num(self(a) as number)); return v === 0 ? 0 : v.toString(2).length; });
  def(float, 'conjugate', (a) => new PyFloat(num(self(a) as PyFloat)));
}
