// How long GhostLens takes to activate: evaluating dist/extension.js (stamped by its first and last
// lines, see scripts/build.mjs) plus activate() itself, in wall-clock and CPU milliseconds.
type Stamp = [number, NodeJS.CpuUsage];
declare const __ghostlensLoadStart: Stamp | undefined;
declare const __ghostlensLoadEnd: Stamp | undefined;

export interface ActivationTime {
  /** Bundle evaluation + activate(), wall-clock (includes waiting for a busy CPU). */
  wallMs: number;
  /** The same span in CPU time of the extension host process: what GhostLens costs. */
  cpuMs: number;
  loadMs: number;
  activateMs: number;
  /** What VS Code did between loading the bundle and calling activate() (not GhostLens' time). */
  hostMs: number;
}

export const stamp = (): Stamp => [performance.now(), process.cpuUsage()];

const between = (a: Stamp, b: Stamp) => ({ wall: b[0] - a[0], cpu: (b[1].user - a[1].user + b[1].system - a[1].system) / 1000 });

/** The activation's figures, given the stamp taken when activate() was entered. */
export function activationTime(entered: Stamp): ActivationTime {
  const activated = between(entered, stamp());
  const stamped = typeof __ghostlensLoadStart !== 'undefined' && typeof __ghostlensLoadEnd !== 'undefined';
  const load = stamped ? between(__ghostlensLoadStart!, __ghostlensLoadEnd!) : { wall: 0, cpu: 0 };
  return {
    wallMs: load.wall + activated.wall, cpuMs: load.cpu + activated.cpu,
    loadMs: load.wall, activateMs: activated.wall, hostMs: stamped ? entered[0] - __ghostlensLoadEnd![0] : 0,
  };
}
