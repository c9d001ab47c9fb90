// The torch.nn layer catalogue as data, one entry per module class (Netron's way: operator
// metadata kept as data, the code that uses it elsewhere): its constructor signature, its kind
// (which decides its MACs rule, see macs.ts, and whether a stage's unit may hold it), and the
// ONNX op types that read back as it when a file is imported. The implementations keyed by the
// same names: the shape rule (python/torch/layers.ts), the ONNX emitter (onnx/ops.ts); a test
// keeps the three in step (test/unit/catalogue.test.ts).

export type LayerKind =
  | 'conv' | 'convTranspose' | 'linear' | 'norm' | 'activation' | 'gate' | 'dropout' | 'identity'
  | 'pool' | 'reshape' | 'upsample' | 'pad' | 'embedding'
  /** A module with a child (its out_proj Linear): its rule is python/torch/attention.ts, not layers.ts. */
  | 'attention';

export interface LayerMeta {
  kind: LayerKind;
  /** Constructor signature as torch writes it: `a, b, c=1, d=True` (parsed by layers.ts's parseSig). */
  sig: string;
  /** ONNX op types that, alone in a leaf, import as this class (more specific rules live in onnx/import.ts). */
  onnxImport?: string[];
}

export const CATALOGUE: Record<string, LayerMeta> = {
  Conv1d: { kind: 'conv', sig: 'in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros", device=None, dtype=None' },
  Conv2d: { kind: 'conv', sig: 'in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros", device=None, dtype=None' },
  Conv3d: { kind: 'conv', sig: 'in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros", device=None, dtype=None' },
  ConvTranspose1d: { kind: 'convTranspose', sig: 'in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None' },
  ConvTranspose2d: { kind: 'convTranspose', sig: 'in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None' },
  ConvTranspose3d: { kind: 'convTranspose', sig: 'in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None' },
  Linear: { kind: 'linear', sig: 'in_features, out_features, bias=True, device=None, dtype=None' },
  LazyLinear: { kind: 'linear', sig: 'out_features, bias=True' },
  Identity: { kind: 'identity', sig: '*args, **kwargs', onnxImport: ['Identity'] },
  BatchNorm1d: { kind: 'norm', sig: 'num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None' },
  BatchNorm2d: { kind: 'norm', sig: 'num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None' },
  BatchNorm3d: { kind: 'norm', sig: 'num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None' },
  SyncBatchNorm: { kind: 'norm', sig: 'num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None' },
  InstanceNorm1d: { kind: 'norm', sig: 'num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False, device=None, dtype=None' },
  InstanceNorm2d: { kind: 'norm', sig: 'num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False, device=None, dtype=None' },
  InstanceNorm3d: { kind: 'norm', sig: 'num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False, device=None, dtype=None' },
  GroupNorm: { kind: 'norm', sig: 'num_groups, num_channels, eps=1e-05, affine=True, device=None, dtype=None' },
  LayerNorm: { kind: 'norm', sig: 'normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, device=None, dtype=None' },
  LocalResponseNorm: { kind: 'norm', sig: 'size, alpha=0.0001, beta=0.75, k=1.0', onnxImport: ['LRN'] },
  ReLU: { kind: 'activation', sig: 'inplace=False', onnxImport: ['Relu'] },
  ReLU6: { kind: 'activation', sig: 'inplace=False' },
  SiLU: { kind: 'activation', sig: 'inplace=False' },
  Mish: { kind: 'activation', sig: 'inplace=False' },
  Hardswish: { kind: 'activation', sig: 'inplace=False', onnxImport: ['HardSwish'] },
  Hardsigmoid: { kind: 'activation', sig: 'inplace=False', onnxImport: ['HardSigmoid'] },
  SELU: { kind: 'activation', sig: 'inplace=False', onnxImport: ['Selu'] },
  Sigmoid: { kind: 'activation', sig: '', onnxImport: ['Sigmoid'] },
  Tanh: { kind: 'activation', sig: '', onnxImport: ['Tanh'] },
  Softsign: { kind: 'activation', sig: '' },
  Tanhshrink: { kind: 'activation', sig: '' },
  LogSigmoid: { kind: 'activation', sig: '' },
  GELU: { kind: 'activation', sig: 'approximate="none"' },
  LeakyReLU: { kind: 'activation', sig: 'negative_slope=0.01, inplace=False', onnxImport: ['LeakyRelu'] },
  ELU: { kind: 'activation', sig: 'alpha=1.0, inplace=False', onnxImport: ['Elu'] },
  CELU: { kind: 'activation', sig: 'alpha=1.0, inplace=False', onnxImport: ['Celu'] },
  Softplus: { kind: 'activation', sig: 'beta=1.0, threshold=20.0', onnxImport: ['Softplus'] },
  Hardtanh: { kind: 'activation', sig: 'min_val=-1.0, max_val=1.0, inplace=False' },
  Threshold: { kind: 'activation', sig: 'threshold, value, inplace=False' },
  Hardshrink: { kind: 'activation', sig: 'lambd=0.5' },
  Softshrink: { kind: 'activation', sig: 'lambd=0.5' },
  Softmax: { kind: 'activation', sig: 'dim=None', onnxImport: ['Softmax'] },
  LogSoftmax: { kind: 'activation', sig: 'dim=None', onnxImport: ['LogSoftmax'] },
  Softmax2d: { kind: 'activation', sig: '' },
  Softmin: { kind: 'activation', sig: 'dim=None' },
  PReLU: { kind: 'activation', sig: 'num_parameters=1, init=0.25, device=None, dtype=None', onnxImport: ['PRelu'] },
  GLU: { kind: 'gate', sig: 'dim=-1' },
  Dropout: { kind: 'dropout', sig: 'p=0.5, inplace=False', onnxImport: ['Dropout'] },
  Dropout1d: { kind: 'dropout', sig: 'p=0.5, inplace=False' },
  Dropout2d: { kind: 'dropout', sig: 'p=0.5, inplace=False' },
  Dropout3d: { kind: 'dropout', sig: 'p=0.5, inplace=False' },
  AlphaDropout: { kind: 'dropout', sig: 'p=0.5, inplace=False' },
  FeatureAlphaDropout: { kind: 'dropout', sig: 'p=0.5, inplace=False' },
  MaxPool1d: { kind: 'pool', sig: 'kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False' },
  MaxPool2d: { kind: 'pool', sig: 'kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False' },
  MaxPool3d: { kind: 'pool', sig: 'kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False' },
  AvgPool1d: { kind: 'pool', sig: 'kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None' },
  AvgPool2d: { kind: 'pool', sig: 'kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None' },
  AvgPool3d: { kind: 'pool', sig: 'kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None' },
  AdaptiveAvgPool1d: { kind: 'pool', sig: 'output_size' },
  AdaptiveAvgPool2d: { kind: 'pool', sig: 'output_size' },
  AdaptiveAvgPool3d: { kind: 'pool', sig: 'output_size' },
  AdaptiveMaxPool1d: { kind: 'pool', sig: 'output_size, return_indices=False' },
  AdaptiveMaxPool2d: { kind: 'pool', sig: 'output_size, return_indices=False' },
  AdaptiveMaxPool3d: { kind: 'pool', sig: 'output_size, return_indices=False' },
  Flatten: { kind: 'reshape', sig: 'start_dim=1, end_dim=-1', onnxImport: ['Flatten'] },
  Unflatten: { kind: 'reshape', sig: 'dim, unflattened_size' },
  Upsample: { kind: 'upsample', sig: 'size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None', onnxImport: ['Resize', 'Upsample'] },
  UpsamplingNearest2d: { kind: 'upsample', sig: 'size=None, scale_factor=None' },
  UpsamplingBilinear2d: { kind: 'upsample', sig: 'size=None, scale_factor=None' },
  PixelShuffle: { kind: 'reshape', sig: 'upscale_factor', onnxImport: ['DepthToSpace'] },
  PixelUnshuffle: { kind: 'reshape', sig: 'downscale_factor', onnxImport: ['SpaceToDepth'] },
  ChannelShuffle: { kind: 'reshape', sig: 'groups' },
  ZeroPad2d: { kind: 'pad', sig: 'padding' },
  ConstantPad1d: { kind: 'pad', sig: 'padding, value=0' },
  ConstantPad2d: { kind: 'pad', sig: 'padding, value=0' },
  ConstantPad3d: { kind: 'pad', sig: 'padding, value=0' },
  ReflectionPad1d: { kind: 'pad', sig: 'padding' },
  ReflectionPad2d: { kind: 'pad', sig: 'padding' },
  ReplicationPad1d: { kind: 'pad', sig: 'padding' },
  ReplicationPad2d: { kind: 'pad', sig: 'padding' },
  ReplicationPad3d: { kind: 'pad', sig: 'padding' },
  Embedding: { kind: 'embedding', sig: 'num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None, device=None, dtype=None' },
  MultiheadAttention: { kind: 'attention', sig: 'embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None' },
};

/** Whether a module of this class counts MACs (conv, transposed conv, linear): its MACs are unknown when its input is. */
export const countsMacs = (type: string): boolean => ['conv', 'convTranspose', 'linear'].includes(CATALOGUE[type]?.kind ?? '');

/** Whether a leaf of this class may follow a stage unit's conv: a norm, an activation, or what does nothing in eval. */
export const followsConvInUnit = (type: string): boolean => ['norm', 'activation', 'dropout', 'identity'].includes(CATALOGUE[type]?.kind ?? '');

/** ONNX op type → the class a leaf made of that op alone imports as. */
export const IMPORTED_AS: ReadonlyMap<string, string> = new Map(
  Object.entries(CATALOGUE).flatMap(([name, m]) => (m.onnxImport ?? []).map((op) => [op, name] as [string, string])),
);
