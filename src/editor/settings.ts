// Every `ghostlens.*` setting in one typed table: key, default and the range VS Code's settings
// editor enforces (package.json's contributes.configuration says the same; a unit test holds the
// two together). `readSettings` turns whatever the user wrote into values in range, so no reader
// copies a default or checks a value itself. No vscode import: config.ts feeds it, tests call it.

import type { Severity } from '../core/analysis/diagnostics';
export type { Severity };
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];
export const PROVIDER_CHOICES = ['auto', 'cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] as const;

type Spec =
  | { type: 'string'; default: string; enum?: readonly string[] }
  | { type: 'boolean'; default: boolean }
  | { type: 'integer' | 'number'; default: number; minimum?: number; maximum?: number }
  | { type: 'array'; default: number[]; length: number };

const severity = (d: Severity) => ({ type: 'string', default: d, enum: SEVERITIES }) as const;

/** The settings, under `ghostlens.`, as package.json declares them. */
export const SETTINGS = {
  'model': { type: 'string', default: '' },
  'input': { type: 'string', default: '' },
  'ghost.ratio': { type: 'integer', default: 2, minimum: 2 },
  'ghost.dwSize': { type: 'integer', default: 3, minimum: 1 },
  'ghost.lambda': { type: 'number', default: 0.4, minimum: 0.05, maximum: 0.95 },
  'diagnostics.stage.enabled': { type: 'boolean', default: true },
  'diagnostics.stage.severity': severity('warning'),
  'diagnostics.stage.minBlocks': { type: 'integer', default: 3, minimum: 3 },
  'diagnostics.stage.minShare': { type: 'number', default: 0, minimum: 0, maximum: 100 },
  'diagnostics.conv.enabled': { type: 'boolean', default: true },
  'diagnostics.conv.severity': severity('information'),
  'diagnostics.conv.minOutChannels': { type: 'integer', default: 16, minimum: 1 },
  'diagnostics.conv.minKernel': { type: 'integer', default: 1, minimum: 1 },
  // 1%: see DEFAULT_DIAGNOSTICS in core/analysis/diagnostics.ts.
  'diagnostics.conv.minShare': { type: 'number', default: 1, minimum: 0, maximum: 100 },
  'diagnostics.unknown.enabled': { type: 'boolean', default: true },
  'diagnostics.unknown.severity': severity('information'),
  'codeLens.enabled': { type: 'boolean', default: true },
  'analysis.debounceMs': { type: 'integer', default: 400, minimum: 0 },
  'analysis.maxMemoryMB': { type: 'integer', default: 256, minimum: 16 },
  'analysis.timeLimitSeconds': { type: 'number', default: 5, minimum: 0.5 },
  'rewrite.classes': { type: 'string', default: 'inline', enum: ['inline', 'module'] },
  'profile.provider': { type: 'string', default: 'auto', enum: PROVIDER_CHOICES },
  'profile.threads': { type: 'integer', default: 0, minimum: 0 },
  'profile.runs': { type: 'integer', default: 50, minimum: 1 },
  'profile.warmup': { type: 'integer', default: 10, minimum: 0 },
  'profile.timeoutSeconds': { type: 'number', default: 120, minimum: 5 },
  'profile.onnxruntimePath': { type: 'string', default: '' },
  'redundancy.onnx': { type: 'string', default: '' },
  'redundancy.images': { type: 'string', default: '' },
  'redundancy.maxImages': { type: 'integer', default: 64, minimum: 2 },
  'redundancy.randomSamples': { type: 'integer', default: 32, minimum: 2 },
  'redundancy.threshold': { type: 'number', default: 0.9, minimum: 0.01, maximum: 1 },
  'redundancy.normalizeMean': { type: 'array', default: [0.485, 0.456, 0.406], length: 3 },
  'redundancy.normalizeStd': { type: 'array', default: [0.229, 0.224, 0.225], length: 3 },
  'redundancy.timeoutSeconds': { type: 'number', default: 600, minimum: 10 },
} as const satisfies Record<string, Spec>;

export type SettingKey = keyof typeof SETTINGS;
type ValueOf<S> = S extends { type: 'boolean' } ? boolean
  : S extends { type: 'integer' | 'number' } ? number
  : S extends { type: 'array' } ? number[]
  : S extends { enum: readonly (infer E)[] } ? E
  : string;
export type Settings = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };

/**
 * The settings from `get` (the raw value of a key, undefined when unset). A value of the wrong
 * type, outside the enum or the range is replaced by the default (out of range: clamped), the
 * same as the settings editor would refuse or correct it; integers are rounded.
 */
export function readSettings(get: (key: SettingKey) => unknown): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, Spec][]) out[key] = valueOf(spec, get(key));
  return out as Settings;
}

function valueOf(spec: Spec, v: unknown): unknown {
  switch (spec.type) {
    case 'boolean': return typeof v === 'boolean' ? v : spec.default;
    case 'string': return typeof v === 'string' && (!spec.enum || spec.enum.includes(v)) ? v : spec.default;
    case 'array':
      return Array.isArray(v) && v.length === spec.length && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? [...v] : [...spec.default];
    default: {
      if (typeof v !== 'number' || !Number.isFinite(v)) return spec.default;
      const n = spec.type === 'integer' ? Math.round(v) : v;
      return Math.min(spec.maximum ?? Infinity, Math.max(spec.minimum ?? -Infinity, n));
    }
  }
}
