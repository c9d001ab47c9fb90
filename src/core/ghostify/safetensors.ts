// The safetensors format (Hugging Face; the format PyTorch users load state_dicts from): an 8-byte
// little-endian header length N, N bytes of JSON — per tensor {dtype, shape, data_offsets: [begin,
// end)} into the data that follows, plus an optional "__metadata__" of strings — then the tensors'
// bytes, row-major little-endian, contiguous, in offset order. No npm library for it is
// maintained (the only package named so is a single 0.0.1 release), so it is written here from
// the format's description; test/torch loads it in PyTorch.

export type SafeDtype = 'F32' | 'I64';

export interface SafeTensor { name: string; dtype: SafeDtype; shape: number[]; data: Float32Array | BigInt64Array }

export class SafetensorsError extends Error {}

const BYTES: Record<SafeDtype, number> = { F32: 4, I64: 8 };

export function encodeSafetensors(tensors: SafeTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) throw new SafetensorsError(`tensor name ${t.name} is used twice`);
    const n = t.shape.reduce((p, d) => p * d, 1);
    if (t.data.length !== n) throw new SafetensorsError(`${t.name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const size = n * BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Spaces pad the header so the data starts 8-byte aligned (allowed by the format).
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** Reads a file written by encodeSafetensors (or any F32/I64 safetensors file): for tests and checks. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: SafeTensor[]; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SafetensorsError('too short for a safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new SafetensorsError('the header runs past the end of the file');
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const tensors: SafeTensor[] = [];
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (h.dtype !== 'F32' && h.dtype !== 'I64') throw new SafetensorsError(`${name}: dtype ${h.dtype} is not read here`);
    const [b, e] = h.data_offsets;
    const raw = bytes.slice(base + b, base + e);
    const data = h.dtype === 'F32' ? new Float32Array(raw.buffer, 0, (e - b) / 4) : new BigInt64Array(raw.buffer, 0, (e - b) / 8);
    tensors.push({ name, dtype: h.dtype, shape: h.shape, data });
  }
  return { tensors, metadata: (header.__metadata__ as unknown as Record<string, string>) ?? {} };
}
