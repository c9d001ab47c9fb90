// Shared result types of measured redundancy (trained weights in an ONNX file): produced by
// core/redundancy, read by the CLI, diagnostics and the panel (through src/protocol.ts).

export interface CalibrationInfo {
  kind: 'images' | 'random';
  /** Images folder or "random (N samples)". */
  source: string;
  samples: number;
  /** Samples used to fit the cheap reconstruction / to measure it. */
  fit: number;
  test: number;
}

/** Stage-wise (G-Ghost): block outputs reconstructed from the first block's output by a 1×1 op. */
export interface StageRedundancy {
  /** Stage path as in the ModelGraph (or the scope found in the ONNX file). */
  stage: string;
  firstBlock: string;
  blocks: {
    path: string;
    /** ‖Y − Ŷ‖² / ‖Y − mean(Y)‖² on held-out data, 0 = perfectly reconstructed. */
    relError: number;
    channels: number;
  }[];
}

/** Layer-wise (C-Ghost): near-duplicate channels in one conv output. */
export interface LayerRedundancy {
  path: string;
  channels: number;
  /**
   * Histogram (pair counts) of pairwise |cosine| similarity over [0, 1] in `bins` equal bins.
   * Cosines are of the channel maps over all pixels and samples with each map's mean removed.
   */
  cosineHistogram: number[];
  meanAbsCosine: number;
  /**
   * Share of channels with a near-duplicate (|cos| ≥ threshold), 0..1, counting each group of
   * near-duplicates but one (the channels a cheap op could make from the others): C/2 exact
   * pairs give 0.5.
   */
  nearDuplicateShare: number;
  threshold: number;
  /**
   * Relative error of rebuilding all channels from a ceil(C/s) subset by per-channel cheap ops:
   * each other channel an affine map of one kept channel (1×1 depthwise conv + bias), subset
   * chosen greedily; error over the layer's centred energy. A d×d depthwise op does at least as well.
   */
  ghostReconError: number | null;
  ratio: number;
}

export interface RedundancyResult {
  model: string;
  calibration: CalibrationInfo;
  provider: string;
  stages: StageRedundancy[];
  layers: LayerRedundancy[];
  /** Peak resident memory of the measuring process, bytes. */
  peakRssBytes: number | null;
  notes: string[];
}
