// Where the analysed file defines its classes and their `forward` methods, from the parse tree
// (ClassDefinition / FunctionDefinition nodes, any nesting): the editor puts class lenses and
// forward hovers there, matching classes to modules by name (ModuleNode.type).
import type { SyntaxNode } from '@lezer/common';
import type { ClassSpan } from '../graph/model';
import type { SourceFile } from './source';

/** Statements and parts that hold no statement (a class defined in them cannot be). */
const SIMPLE = new Set(['ExpressionStatement', 'AssignStatement', 'UpdateStatement', 'ReturnStatement', 'ImportStatement',
  'ArgList', 'ParamList', 'String', 'FormatString', 'Number', 'Comment', 'VariableName', 'TypeDef']);

export function classSpans(file: SourceFile): ClassSpan[] {
  const out: ClassSpan[] = [];
  const name = (n: SyntaxNode) => { const v = n.getChild('VariableName'); return v ? file.slice(v) : null; };
  file.tree.iterate({
    enter: (ref) => {
      // Statements live in statements, never in expressions: most of a file's nodes are skipped.
      if (ref.name !== 'ClassDefinition') return ref.name.endsWith('Expression') || SIMPLE.has(ref.name) ? false : undefined;
      const n = ref.node;
      const cls = name(n);
      if (!cls) return undefined;
      const fwd = n.getChild('Body')?.getChildren('FunctionDefinition').find((f) => name(f) === 'forward')
        // `@torch.jit.ignore`-style decorators wrap the def in a DecoratedStatement.
        ?? n.getChild('Body')?.getChildren('DecoratedStatement').map((d) => d.getChild('FunctionDefinition')).find((f): f is SyntaxNode => !!f && name(f) === 'forward');
      out.push({
        name: cls, line: file.line(n.from), from: n.from, to: n.to,
        forward: fwd ? { line: file.line(fwd.from), from: fwd.from, to: fwd.to } : null,
      });
      return undefined; // nested classes too
    },
  });
  return out;
}
