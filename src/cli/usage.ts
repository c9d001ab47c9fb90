// The usage text of the ONNX-based commands, apart from their code: `ghostlens --help` and the
// analyze path load no ONNX or onnxruntime code (main.ts imports those commands on first use).

export const EXPORT_USAGE = `  export FILE -o OUT.onnx [--model EXPR] [--input 1x3x224x224] [--seed N]
      The model as an ONNX file (opset 17, static shapes, random weights), made without
      Python; nodes are named by module path (layer1.0.conv1).
`;

export const PROFILE_USAGE = `  profile FILE|MODEL.onnx [--model EXPR] [--input 1x3x224x224] [--ep auto|cuda|tensorrt|dml|coreml|webgpu|cpu]
          [--runs N] [--warmup N] [--threads N] [--compare-ghost] [--json] [--timeout S] [--top N] [--ort DIR]
          [--profile-runs N]
      Latency with onnxruntime-node (the model exported without Python, random weights; or the
      .onnx given): p50/p90/p99, per stage and per layer from onnxruntime's trace, and which
      execution provider ran (and why the others did not). --compare-ghost also profiles the
      all-candidates Ghost rewrite, runs alternating, and prints after/before per stage.
      --ort DIR uses another onnxruntime-node install (e.g. one with the CUDA libraries).
      --profile-runs N: runs traced for the per-node times (default min(runs, 10); never timed).
`;

export const REDUNDANCY_USAGE = `  redundancy MODEL.onnx [--source FILE [--model EXPR]] (--images DIR [--limit N] | --random N)
          [--threshold T] [--ratio S] [--mean R,G,B] [--std R,G,B] [--input SHAPE] [--batch N]
          [--seed N] [--threads N] [--timeout S] [--json]
      Measured redundancy on trained weights (onnxruntime, in a child process; memory bounded).
      Stage-wise: each later block's output rebuilt from the stage's first block by a 1×1 conv
      (ridge least squares, error on held-out samples). Layer-wise: |cos| of each conv's output
      channels, the share that duplicate another (|cos| ≥ T, default 0.9), and the error of
      rebuilding all channels from ceil(C/S) of them (default S = 2). Calibration: PNG/JPEG images
      (resized, ImageNet mean/std unless given) or N random inputs (labelled as such).
      --source maps stages and convs to the .py file's lines.
`;

export const GHOSTIFY_USAGE = `  ghostify MODEL.onnx --source FILE [--model EXPR] (--conv PATH | --stage PATH | --all)
          [--ratio S] [--lambda L] (--images DIR [--limit N] | --random N) -o OUT.onnx
          [--weights OUT.safetensors] [--rewritten OUT.py] [--mean R,G,B] [--std R,G,B]
          [--batch N] [--seed N] [--threads N] [--ridge R] [--baselines] [--timeout S] [--json]
      The rewrite of FILE (as \`rewrite\` makes it) with weights from the trained MODEL.onnx:
      unchanged layers copied by module path, C-Ghost cheap convs and G-Ghost ghost paths
      fitted by least squares on the calibration data. Reports, on held-out samples, each
      site's error and the output's relative error and top-1 agreement with the original.
      --weights writes the state_dict (safetensors) for model.load_state_dict; --baselines
      also measures the same Ghost model at random init.
`;
