// What the panel shows and the user chose, kept with vscode.setState so that hiding the panel
// (which destroys the webview: no retainContextWhenHidden) and showing it again restores the
// same view at once; the host then re-sends its latest data.
import type { HostMessage, PanelCaps, ProfileRequest } from '../src/protocol';
import { hostMessage, obj, oneOf, nullable, opt, bool, str, profileRequest, Validator } from '../src/protocol';
import { DEFAULT_PROFILE_OPTIONS } from '../src/protocol';

export type TabId = 'stages' | 'convs' | 'layers' | 'charts' | 'redundancy' | 'ghostify';
export const TABS: TabId[] = ['stages', 'convs', 'layers', 'charts', 'redundancy', 'ghostify'];

type Msg<T extends HostMessage['type']> = Extract<HostMessage, { type: T }>;

export interface UiState {
  tab: TabId;
  request: ProfileRequest;
  /** Path of the selected row (stage, conv site's first path, or layer). */
  selected: string | null;
  /** Show the secondary columns too (params, absolute MACs, …). */
  allColumns?: boolean;
}

export interface PanelState {
  /** 2: the model message carries the host's view (1 carried the graph). */
  v: 2;
  model: Msg<'model'> | null;
  profile: Msg<'profile'> | null;
  redundancy: Msg<'redundancy'> | null;
  /** Not persisted (the host sends it again): a run's result is the host's to keep. */
  ghostify: Msg<'ghostify'> | null;
  caps: PanelCaps | null;
  notice: Msg<'notice'> | null;
  ui: UiState;
}

/** Not persisted: the host says again what is running when the webview comes back. */
export interface Busy { running: boolean; canCancel: boolean }

export const defaultRequest = (): ProfileRequest => ({
  provider: DEFAULT_PROFILE_OPTIONS.provider, threads: DEFAULT_PROFILE_OPTIONS.threads,
  runs: DEFAULT_PROFILE_OPTIONS.runs, warmup: DEFAULT_PROFILE_OPTIONS.warmup, compareGhost: false,
});

export const initialState = (): PanelState => ({
  v: 2, model: null, profile: null, redundancy: null, ghostify: null, caps: null, notice: null,
  ui: { tab: 'stages', request: defaultRequest(), selected: null },
});

const ofType = <T extends HostMessage['type']>(t: T): Validator<Msg<T>> =>
  (v, at) => hostMessage(v, at) ?? ((v as HostMessage).type === t ? null : `${at}: expected a '${t}' message`);

const persisted: Validator<Omit<PanelState, 'caps' | 'ghostify'>> = obj({
  v: oneOf(2),
  model: nullable(ofType('model')),
  profile: nullable(ofType('profile')),
  redundancy: nullable(ofType('redundancy')),
  notice: nullable(ofType('notice')),
  ui: obj({ tab: oneOf(...TABS), request: profileRequest, selected: nullable(str), allColumns: opt(bool) }),
});

/** The saved state if it is one this version wrote, else the initial state (and why). */
export function restore(saved: unknown): { state: PanelState; problem: string | null } {
  if (saved === undefined || saved === null) return { state: initialState(), problem: null };
  const problem = persisted(saved, 'state');
  if (problem) return { state: initialState(), problem };
  // Capabilities can change while hidden (trust granted): wait for the host's.
  return { state: { ...(saved as PanelState), caps: null, ghostify: null }, problem: null };
}
