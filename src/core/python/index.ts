export { analyzeSource, analyzeModel, AnalysisError, parseInputSpec, readDirective, syntaxProblems, DEFAULT_INPUT } from './analyze';
export type { AnalyzeOptions, EntryPoint } from './analyze';
export type { FileHost } from './imports';
