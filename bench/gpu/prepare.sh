#!/usr/bin/env bash
# Writes the models bench_gpu.py times into bench/gpu/out/: SE-ResNet-50 (test/fixtures/se_resnet.py)
# as written and rewritten by GhostLens three ways (all candidates, G-Ghost stages only, C-Ghost
# convs only). Then, on a machine with a CUDA GPU and PyTorch:
#   bash bench/gpu/prepare.sh && python3 bench/gpu/bench_gpu.py   (BATCHES=1,32,256 HALF=1 optional)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
F=test/fixtures/se_resnet.py
OUT=bench/gpu/out
mkdir -p "$OUT"
cp "$F" "$OUT/orig.py"
node dist/cli.js rewrite "$F" --all -o "$OUT/all.py"
stages=$(node dist/cli.js analyze "$F" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).stages.filter(x=>x.blocks>=3).map(x=>"--stage "+x.path).join(" ")))')
node dist/cli.js rewrite "$F" $stages -o "$OUT/gghost.py"
# C-Ghost only: every conv rewrite --all makes outside the G-Ghost stages, plus those inside them.
convs=$(node dist/cli.js analyze "$F" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).layers.filter(l=>l.type==="Conv2d").map(l=>"--conv "+l.path).join(" ")))')
node dist/cli.js rewrite "$F" $convs -o "$OUT/cghost.py" 2>&1 | grep -v '^skipped' || true
