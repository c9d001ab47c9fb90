// A parse tree as a flat Int32Array and back, so that a parse can be kept across processes (the
// CLI's cold start spends most of its time parsing the files a model imports: timm's resnet.py
// pulls in ~2 MB of Python). Only named nodes are kept — the interpreter walks nothing else — in
// lezer's postfix buffer layout (type, from, to, size in ints), which `Tree.build` reads back.
// The frame carries its format, the text's length and a checksum: data that does not check out
// is no tree (a parse from scratch follows), never a wrong one.
import { Tree, BufferCursor } from '@lezer/common';
import { parser } from '@lezer/python';

/**
 * Bump when the parse itself changes (source.ts's parseDeep, lexmask.ts): older trees are not read.
 * 2: trees are kept under the text as written (the mask is a function of it), not the masked text.
 */
export const PARSE_VERSION = 2;
const MAGIC = 0x474c5452; // 'GLTR'
const HEADER = 4;

/** What the parser is: its node types, in id order (a grammar change changes the ids). */
export const PARSER_FINGERPRINT = `${PARSE_VERSION}:${parser.nodeSet.types.map((t) => t.name).join(',')}`;

function checksum(a: Int32Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ a[i], 0x01000193);
  return h | 0;
}

/** The named nodes of `tree`, postfix, framed: [magic, version, length, count, ...nodes, checksum]. */
export function flattenTree(tree: Tree): Int32Array {
  const nodes: number[] = [];
  const c = tree.cursor();
  const walk = (): void => {
    const start = nodes.length;
    const type = c.type.id, from = c.from, to = c.to;
    if (c.firstChild()) {
      do walk(); while (c.nextSibling());
      c.parent();
    }
    nodes.push(type, from, to, nodes.length - start + 4);
  };
  if (c.firstChild()) {
    do walk(); while (c.nextSibling());
  }
  const out = new Int32Array(HEADER + nodes.length + 1);
  out.set([MAGIC, PARSE_VERSION, tree.length, nodes.length / 4], 0);
  out.set(nodes, HEADER);
  out[out.length - 1] = checksum(out, 0, out.length - 1);
  return out;
}

/** The tree `flattenTree` framed, for a text of `length` characters; null when the data does not check out. */
export function treeFromFlat(data: Int32Array, length: number): Tree | null {
  return readFlat(data, length)?.tree ?? null;
}

const ERROR_TYPES = new Set(parser.nodeSet.types.filter((t) => t.isError).map((t) => t.id));

/** treeFromFlat, and whether the tree has no error node (then it has no syntax problem to look for). */
export function readFlat(data: Int32Array, length: number): { tree: Tree; errorFree: boolean } | null {
  if (data.length < HEADER + 1 || data[0] !== MAGIC || data[1] !== PARSE_VERSION || data[2] !== length) return null;
  const n = data[3];
  if (n < 0 || data.length !== HEADER + n * 4 + 1 || checksum(data, 0, data.length - 1) !== data[data.length - 1]) return null;
  const types = parser.nodeSet.types.length;
  let errorFree = true;
  for (let i = HEADER; i < HEADER + n * 4; i += 4) {
    const type = data[i], from = data[i + 1], to = data[i + 2], size = data[i + 3];
    if (type < 0 || type >= types || from < 0 || to < from || to > length || size < 4 || size % 4 || size > i - HEADER + 4) return null;
    if (ERROR_TYPES.has(type)) errorFree = false;
  }
  try {
    // Read in place (no copy to a JS array: a cold CLI run spent a tenth of its time there).
    const tree = Tree.build({ buffer: new FlatCursor(data, HEADER, n * 4), nodeSet: parser.nodeSet, topID: parser.topNode.id, length });
    return { tree, errorFree };
  } catch {
    return null;
  }
}

/** lezer's postfix buffer cursor over the nodes at data[base, base + pos), read from the end as Tree.build does. */
class FlatCursor implements BufferCursor {
  constructor(private readonly data: Int32Array, private readonly base: number, public pos: number) {}
  get id(): number { return this.data[this.base + this.pos - 4]; }
  get start(): number { return this.data[this.base + this.pos - 3]; }
  get end(): number { return this.data[this.base + this.pos - 2]; }
  get size(): number { return this.data[this.base + this.pos - 1]; }
  next(): void { this.pos -= 4; }
  fork(): FlatCursor { return new FlatCursor(this.data, this.base, this.pos); }
}
