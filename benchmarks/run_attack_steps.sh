#!/usr/bin/env bash
# The attack steps of issue 5 (trigger search batch, PGD image, alpha sweep) against the paper's surrogate
# (HyperIQA-ResNet-50, 224² crops): baiqa vs PyTorch on the same libtorch and thread count, back to back.
# Usage: benchmarks/run_attack_steps.sh [threads] [all|search|pgd|sweep]
#   sizes: BENCH_SEARCH_BATCH (32; the official 128 takes 4x longer) BENCH_SEARCH_STEPS (10)
#          BENCH_PGD_VIEWS (25) BENCH_PGD_STEPS (20) BENCH_SWEEP_IMAGES (2) BENCH_SWEEP_PATCHES (25)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
which=${2:-all}
case $which in all|search|pgd|sweep) ;; *) echo "unknown step '$which' (all, search, pgd or sweep)" >&2; exit 2;; esac
want() { [ "$which" = all ] || [ "$which" = "$1" ]; }
swift build -c release --product baiqa-bench >/dev/null
bin=$(swift build -c release --show-bin-path)/baiqa-bench
out=$(mktemp)
export BAIQA_THREADS=$threads
if want search; then "$bin" search "${BENCH_SEARCH_BATCH:-32}" "${BENCH_SEARCH_STEPS:-10}" | tee -a "$out"; fi
if want pgd; then "$bin" pgd "${BENCH_PGD_VIEWS:-25}" "${BENCH_PGD_STEPS:-20}" | tee -a "$out"; fi
if want sweep; then "$bin" sweep "${BENCH_SWEEP_IMAGES:-2}" "${BENCH_SWEEP_PATCHES:-25}" | tee -a "$out"; fi
/usr/bin/python3 benchmarks/pytorch_attack_steps.py "$threads" "$which" | tee -a "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for bench, unit in (("trigger_search_batch", "s/batch"), ("pgd_image", "s/image"), ("alpha_sweep", "s/sweep")):
    b = next((r for r in rows if r["impl"] == "baiqa" and r["bench"] == bench), None)
    if b is None: continue
    for p in (r for r in rows if r["impl"].startswith("pytorch") and r["bench"] == bench):
        print(f"{bench:22s} baiqa {b['seconds']:7.2f} {unit}  {p['impl']:20s} {p['seconds']:7.2f}  ratio {b['seconds'] / p['seconds']:.3f}")
PY
