export { analyzeSource, AnalysisError, parseInputSpec, readDirective, DEFAULT_INPUT } from './analyze';
export type { AnalyzeOptions, EntryPoint } from './analyze';
export type { FileHost } from './imports';
