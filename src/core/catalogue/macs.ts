// MACs by the project's convention (DESIGN.md; what GhostNet papers and fvcore call FLOPs), in
// one place for the interpreter (torch layers), the ONNX importer and the Ghost estimates:
// conv `out_elements·(in/groups)·prod(k)`; transposed conv `in_elements·(out/groups)·prod(k)`;
// linear/matmul `rows·in·out`. Weights in torch's (= ONNX's) layout: conv [out, in/groups, ...k],
// transposed conv [in, out/groups, ...k], so both are `elements · prod(weight[1:])`.

const prod = (xs: readonly number[]): number => xs.reduce((p, q) => p * q, 1);

/** A conv: elements of its output × one output element's multiply-adds (weight[1:]). */
export const convMacs = (outElements: number, weight: readonly number[]): number => outElements * prod(weight.slice(1));

/** A transposed conv: elements of its input × what each scatters (weight[1:]). */
export const convTransposeMacs = (inElements: number, weight: readonly number[]): number => inElements * prod(weight.slice(1));

/** A linear map / matmul: rows × in × out. */
export const linearMacs = (rows: number, inFeatures: number, outFeatures: number): number => rows * inFeatures * outFeatures;
