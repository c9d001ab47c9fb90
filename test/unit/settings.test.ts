// The typed settings table (src/editor/settings.ts) against package.json's contributes: the same
// keys, defaults, types, enums and ranges; and what readSettings makes of unset and bad values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, readSettings, SettingKey } from '../../src/editor/settings';
import { DEFAULT_DIAGNOSTICS } from '../../src/core/analysis/diagnostics';
import { DEFAULT_PROFILE_OPTIONS } from '../../src/core/profile/types';
import { DEFAULT_REDUNDANCY } from '../../src/core/redundancy/options';

interface Declared { type: string; default: unknown; enum?: unknown[]; minimum?: number; maximum?: number; minItems?: number; maxItems?: number }
const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const declared: Record<string, Declared> = pkg.contributes.configuration.properties;

test('every setting package.json declares is in the table, and nothing else', () => {
  const keys = Object.keys(declared).map((k) => k.replace(/^ghostlens\./, '')).sort();
  assert.ok(Object.keys(declared).every((k) => k.startsWith('ghostlens.')));
  assert.deepEqual(Object.keys(SETTINGS).sort(), keys);
});

test('defaults, types, enums and ranges agree with package.json', () => {
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, Record<string, unknown>][]) {
    const d = declared[`ghostlens.${key}`];
    assert.equal(spec.type, d.type, key);
    assert.deepEqual(spec.default, d.default, key);
    assert.deepEqual(spec.enum, d.enum, key);
    assert.equal(spec.minimum, d.minimum, key);
    assert.equal(spec.maximum, d.maximum, key);
    if (d.type === 'array') assert.ok(spec.length === d.minItems && spec.length === d.maxItems, key);
  }
});

test('the core defaults are the settings defaults (no second copy that could drift)', () => {
  const s = readSettings(() => undefined);
  assert.equal(s['ghost.ratio'], DEFAULT_DIAGNOSTICS.ghost.ratio);
  assert.equal(s['ghost.dwSize'], DEFAULT_DIAGNOSTICS.ghost.dwSize);
  assert.equal(s['ghost.lambda'], DEFAULT_DIAGNOSTICS.ghost.lambda);
  assert.equal(s['diagnostics.stage.minBlocks'], DEFAULT_DIAGNOSTICS.ghost.minStageBlocks);
  assert.equal(s['diagnostics.conv.minOutChannels'], DEFAULT_DIAGNOSTICS.ghost.minConvOut);
  assert.equal(s['diagnostics.conv.minKernel'], DEFAULT_DIAGNOSTICS.ghost.minKernel);
  for (const k of ['stage', 'conv'] as const) {
    assert.equal(s[`diagnostics.${k}.enabled`], DEFAULT_DIAGNOSTICS[k].enabled);
    assert.equal(s[`diagnostics.${k}.severity`], DEFAULT_DIAGNOSTICS[k].severity);
    assert.equal(s[`diagnostics.${k}.minShare`], DEFAULT_DIAGNOSTICS[k].minShare);
  }
  assert.equal(s['diagnostics.unknown.severity'], DEFAULT_DIAGNOSTICS.unknown.severity);
  assert.equal(s['profile.provider'], DEFAULT_PROFILE_OPTIONS.provider);
  assert.equal(s['profile.threads'], DEFAULT_PROFILE_OPTIONS.threads);
  assert.equal(s['profile.runs'], DEFAULT_PROFILE_OPTIONS.runs);
  assert.equal(s['profile.warmup'], DEFAULT_PROFILE_OPTIONS.warmup);
  assert.equal(1000 * s['profile.timeoutSeconds'], DEFAULT_PROFILE_OPTIONS.timeoutMs);
  assert.equal(s['redundancy.threshold'], DEFAULT_REDUNDANCY.threshold);
  assert.equal(s['redundancy.maxImages'], DEFAULT_REDUNDANCY.limit);
  assert.deepEqual(s['redundancy.normalizeMean'], DEFAULT_REDUNDANCY.mean);
  assert.deepEqual(s['redundancy.normalizeStd'], DEFAULT_REDUNDANCY.std);
});

test('bad values fall back to the default; numbers out of range are clamped, integers rounded', () => {
  const raw: Partial<Record<SettingKey, unknown>> = {
    'ghost.ratio': 1, 'ghost.lambda': 3, 'ghost.dwSize': 2.6, 'diagnostics.stage.severity': 'loud', 'codeLens.enabled': 'yes',
    'profile.runs': Number.NaN, 'redundancy.normalizeMean': [1, 2], 'rewrite.classes': 'module', 'analysis.debounceMs': -5,
    'diagnostics.conv.minShare': 250, 'profile.provider': 'cuda',
  };
  const s = readSettings((k) => raw[k]);
  assert.equal(s['ghost.ratio'], 2);
  assert.equal(s['ghost.lambda'], 0.95);
  assert.equal(s['ghost.dwSize'], 3);
  assert.equal(s['diagnostics.stage.severity'], 'warning');
  assert.equal(s['codeLens.enabled'], true);
  assert.equal(s['profile.runs'], 50);
  assert.deepEqual(s['redundancy.normalizeMean'], [0.485, 0.456, 0.406]);
  assert.equal(s['rewrite.classes'], 'module');
  assert.equal(s['analysis.debounceMs'], 0);
  assert.equal(s['diagnostics.conv.minShare'], 100);
  assert.equal(s['profile.provider'], 'cuda');
  // A default array is a copy: a reader that changes it changes nothing else.
  s['redundancy.normalizeStd'].push(1);
  assert.equal(readSettings(() => undefined)['redundancy.normalizeStd'].length, 3);
});

test('no editor module reads a setting except through config.ts', () => {
  const dir = join(__dirname, '..', '..', '..', 'src', 'editor');
  for (const f of readdirSync(dir)) {
    if (f === 'config.ts' || !f.endsWith('.ts')) continue;
    assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /getConfiguration\(\s*['"]ghostlens/, `${f} reads settings itself`);
  }
});
