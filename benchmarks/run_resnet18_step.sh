#!/usr/bin/env bash
# ResNet-18 train step (batch 8x3x224x224): baiqa vs PyTorch on the same libtorch, same thread count,
# run back to back. Usage: benchmarks/run_resnet18_step.sh [threads] [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
steps=${2:-20}
swift build -c release --product baiqa-bench >/dev/null
bin=$(swift build -c release --show-bin-path)/baiqa-bench
out=$(mktemp)
BAIQA_THREADS=$threads "$bin" "$steps" | tee -a "$out"
/usr/bin/python3 benchmarks/pytorch_resnet18_step.py "$threads" "$steps" | tee -a "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for cl in (False, True):
    b = next(r for r in rows if r["impl"] == "baiqa" and r["channels_last"] == cl)
    p = next(r for r in rows if r["impl"] == "pytorch" and r["channels_last"] == cl)
    fmt = "channels-last" if cl else "NCHW"
    print(f"{fmt:14s} baiqa {b['median_s']*1000:7.1f} ms  pytorch {p['median_s']*1000:7.1f} ms  ratio {b['median_s']/p['median_s']:.3f}  (params {b['params']} vs {p['params']}, threads {b['threads']})")
PY
