// Locating Debian's PyTorch for the cross-checks (the plain `python3` on PATH may lack torch).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const PYTHON = process.env.GHOSTLENS_TORCH_PYTHON ?? '/usr/bin/python3';
export const ROOT = resolve(__dirname, '../../..');

let cached: boolean | null = null;
/** True when PYTHON imports torch and torchvision. In CI a missing torch is an error, not a skip. */
export function torchAvailable(): boolean {
  if (cached === null) {
    const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
    cached = r.status === 0;
    if (!cached && process.env.CI) throw new Error(`CI needs PyTorch: ${PYTHON} cannot import torch/torchvision: ${r.stderr}`);
  }
  return cached;
}
