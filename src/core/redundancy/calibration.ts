// Calibration inputs: images from a folder (PNG via pngjs, JPEG via jpeg-js), resized and
// normalised to the model's input, or seeded random inputs (explicitly labelled as such).
// Images are read one batch at a time, so memory does not grow with the folder.
import { readdirSync, readFileSync, statSync, lstatSync } from 'node:fs';
import { join, extname, resolve } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export class CalibrationError extends Error {}

/** Entries an images folder walk visits at most (a calibration set is thousands of images). */
const MAX_ENTRIES = 200_000;
const SYSTEM_DIRS = new Set(['/proc', '/sys', '/dev', '/run']);
/** Pixels an image may have (8-bit RGBA: 4 bytes each; 64 Mpx = 256 MB decoded). */
const MAX_PIXELS = 64 * 2 ** 20;

/** Image files under `dir` (class subfolders included), sorted by path; at most `limit`, spread evenly. */
export function listImages(dir: string, limit = Infinity): string[] {
  let st;
  try { st = statSync(dir); } catch { throw new CalibrationError(`no such images folder: ${dir}`); }
  if (!st.isDirectory()) throw new CalibrationError(`not a folder: ${dir}`);
  const out: string[] = [];
  let seen = 0;
  const walk = (d: string, depth: number) => {
    // System folders hold no images and never end (/proc); links are not followed (no loops).
    if (SYSTEM_DIRS.has(d)) return;
    let names: string[];
    try { names = readdirSync(d); } catch { return; }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      if (++seen > MAX_ENTRIES) throw new CalibrationError(`more than ${MAX_ENTRIES.toLocaleString('en-US')} files and folders under ${dir}: point --images at a folder of calibration images`);
      const p = join(d, name);
      const s = lstatSync(p, { throwIfNoEntry: false });
      if (s?.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (s?.isFile() && EXTENSIONS.has(extname(name).toLowerCase())) out.push(p);
    }
  };
  walk(resolve(dir), 0);
  if (!out.length) throw new CalibrationError(`no PNG or JPEG images in ${dir}`);
  if (out.length <= limit) return out;
  // Spread the pick over the sorted list, so that class folders are all represented.
  return Array.from({ length: limit }, (_, i) => out[Math.floor((i * out.length) / limit)]);
}

export interface Rgba { width: number; height: number; data: Uint8Array }

/** Decodes a PNG or JPEG file to 8-bit RGBA. */
export function decodeImage(path: string): Rgba {
  const bytes = readFileSync(path);
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      // The header says how large the decoded image is: checked before inflating (a PNG bomb is
      // a few hundred KB that inflates to gigabytes).
      if (bytes.length >= 24) {
        const w = bytes.readUInt32BE(16), h = bytes.readUInt32BE(20);
        if (w * h > MAX_PIXELS) throw new CalibrationError(`${path} is ${w}×${h} pixels; images of at most ${MAX_PIXELS / 2 ** 20} megapixels are read`);
      }
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    if (e instanceof CalibrationError) throw e;
    throw new CalibrationError(`cannot decode ${path}: ${(e as Error).message}`);
  }
  throw new CalibrationError(`${path} is neither a PNG nor a JPEG file`);
}

/**
 * The image as a CHW float tensor of `channels`×`h`×`w`: the shorter side resized to fit and
 * the centre cropped (bilinear; box-averaged first when shrinking by 2× or more, so detail does
 * not alias), scaled to [0, 1], then (x − mean) / std per channel. One channel: the mean of RGB.
 */
export function toTensor(img: Rgba, channels: number, h: number, w: number, mean: number[], std: number[], out: Float32Array, offset = 0): void {
  if (channels !== 1 && channels !== 3) throw new CalibrationError(`images feed 1 or 3 channels; the model's input has ${channels}`);
  let src = { width: img.width, height: img.height, px: planes(img) };
  const scale = Math.max(h / src.height, w / src.width);
  const f = Math.floor(1 / scale);
  if (f >= 2) src = boxShrink(src, f);
  const s = Math.max(h / src.height, w / src.width);
  // Crop window in source pixels, centred.
  const cw = w / s, ch = h / s;
  const x0 = (src.width - cw) / 2, y0 = (src.height - ch) / 2;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(Math.max(y0 + (y + 0.5) / s - 0.5, 0), src.height - 1);
    const ya = Math.floor(sy), yb = Math.min(ya + 1, src.height - 1), fy = sy - ya;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(Math.max(x0 + (x + 0.5) / s - 0.5, 0), src.width - 1);
      const xa = Math.floor(sx), xb = Math.min(xa + 1, src.width - 1), fx = sx - xa;
      const rgb = [0, 1, 2].map((c) => {
        const p = src.px[c], W = src.width;
        const top = p[ya * W + xa] * (1 - fx) + p[ya * W + xb] * fx;
        const bot = p[yb * W + xa] * (1 - fx) + p[yb * W + xb] * fx;
        return (top * (1 - fy) + bot * fy) / 255;
      });
      if (channels === 1) out[offset + y * w + x] = ((rgb[0] + rgb[1] + rgb[2]) / 3 - mean[0]) / std[0];
      else for (let c = 0; c < 3; c++) out[offset + c * h * w + y * w + x] = (rgb[c] - mean[c]) / std[c];
    }
  }
}

function planes(img: Rgba): Float32Array[] {
  const n = img.width * img.height;
  const p = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) p[c][i] = img.data[4 * i + c];
  return p;
}

function boxShrink(src: { width: number; height: number; px: Float32Array[] }, f: number) {
  const width = Math.floor(src.width / f), height = Math.floor(src.height / f);
  const px = src.px.map((p) => {
    const q = new Float32Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      let s = 0;
      for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += p[(y * f + dy) * src.width + x * f + dx];
      q[y * width + x] = s / (f * f);
    }
    return q;
  });
  return { width, height, px };
}

/** Seeded standard normal numbers (mulberry32 + Box–Muller): random inputs that repeat. */
export class Gaussian {
  private s: number;
  private spare: number | null = null;
  constructor(seed: number) { this.s = seed >>> 0; }
  private uniform(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  }
  next(): number {
    if (this.spare !== null) { const v = this.spare; this.spare = null; return v; }
    const r = Math.sqrt(-2 * Math.log(this.uniform())), a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
  fill(out: Float32Array): void { for (let i = 0; i < out.length; i++) out[i] = this.next(); }
}
