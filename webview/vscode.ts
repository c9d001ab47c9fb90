// The webview's side of the VS Code API: typed posting and the persisted state.
import type { WebviewMessage } from '../src/protocol';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

export const post = (msg: WebviewMessage): void => api.postMessage(msg);
export const getState = (): unknown => api.getState();
export const setState = (s: unknown): void => api.setState(s);

/** Problems inside the webview go to the GhostLens output channel (and the console). */
export function log(level: 'info' | 'warn' | 'error', text: string): void {
  (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(`[GhostLens panel] ${text}`);
  try { post({ type: 'log', level, text: text.slice(0, 2000) }); } catch { /* the host is gone */ }
}
