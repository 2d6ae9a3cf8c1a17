#!/usr/bin/env bash
# HyperIQA-ResNet-50 train step (batch 32 of 224² crops, L1, Adam with head lr×10): baiqa vs PyTorch on
# the same libtorch, same thread count, back to back. Usage: benchmarks/run_hyperiqa_step.sh [threads] [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
steps=${2:-5}
swift build -c release --product baiqa-bench >/dev/null
bin=$(swift build -c release --show-bin-path)/baiqa-bench
out=$(mktemp)
BAIQA_THREADS=$threads "$bin" hyperiqa "$steps" | tee -a "$out"
/usr/bin/python3 benchmarks/pytorch_hyperiqa_step.py "$threads" "$steps" | tee -a "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for cl in (False, True):
    b = next(r for r in rows if r["impl"] == "baiqa" and r["channels_last"] == cl)
    p = next(r for r in rows if r["impl"] == "pytorch" and r["channels_last"] == cl)
    fmt = "channels-last" if cl else "NCHW"
    print(f"{fmt:14s} baiqa {b['median_s']:6.2f} s  pytorch {p['median_s']:6.2f} s  ratio {b['median_s']/p['median_s']:.3f}  (params {b['params']} vs {p['params']}, threads {b['threads']})")
PY
