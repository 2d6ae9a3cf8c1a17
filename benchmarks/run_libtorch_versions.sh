#!/usr/bin/env bash
# libtorch 1.13 (Debian) against 2.13 (PyPI's CPU wheel), each beside PyTorch of the same version, on the
# CPU with the same thread count, one after another in one run: ResNet-18 and HyperIQA-ResNet-50 train
# steps, the cpu preset's HyperIQA step, an Algorithm 1 batch and the α sweep.
#
#   benchmarks/run_libtorch_versions.sh [threads]
#
# Needs: Debian's python3-torch (1.13, `BAIQA_BENCH_DEPS=1 scripts/setup.sh`), the 2.13 libtorch unpacked
# by `scripts/setup.sh --libtorch pypi` (.libtorch/pypi-cpu-2.13.0) and a Python with torch 2.13
# (PYTORCH2=/path/to/python, default /tmp/venv213/bin/python). Prints JSON lines, then a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
lt2=${LIBTORCH2:-$PWD/.libtorch/pypi-cpu-2.13.0/torch}
py1=/usr/bin/python3
py2=${PYTORCH2:-/tmp/venv213/bin/python}
out=$(mktemp)
env -u LIBTORCH swift build -c release --product baiqa-bench --scratch-path .build >/dev/null
LIBTORCH=$lt2 swift build -c release --product baiqa-bench --scratch-path .build-2.13 >/dev/null
b1=$(env -u LIBTORCH swift build -c release --scratch-path .build --show-bin-path)/baiqa-bench
b2=$(LIBTORCH=$lt2 swift build -c release --scratch-path .build-2.13 --show-bin-path)/baiqa-bench
export BAIQA_THREADS=$threads BENCH_SEARCH_STEPS=${BENCH_SEARCH_STEPS:-10}
tag() { sed "s/^{/{\"libtorch_build\": \"$1\", /"; }
for v in 1 2; do
  bin=b$v; py=py$v
  "${!bin}" 10 | tag $v >>"$out"                        # ResNet-18, batch 8, NCHW and channels-last
  "${!py}" benchmarks/pytorch_resnet18_step.py "$threads" 10 | tag $v >>"$out"
  "${!bin}" hyperiqa 3 | tag $v >>"$out"                 # HyperIQA-ResNet-50, batch 32
  "${!py}" benchmarks/pytorch_hyperiqa_step.py "$threads" 3 | tag $v >>"$out"
  "${!bin}" search 8 "$BENCH_SEARCH_STEPS" | tag $v >>"$out"
  BENCH_SEARCH_BATCH=8 "${!py}" benchmarks/pytorch_attack_steps.py "$threads" search | tag $v >>"$out"
  "${!bin}" sweep 2 10 | tag $v >>"$out"
  BENCH_SWEEP_PATCHES=10 "${!py}" benchmarks/pytorch_attack_steps.py "$threads" sweep | tag $v >>"$out"
done
cat "$out"
"$py1" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def t(r): return r.get("median_s", r.get("seconds"))
def find(v, bench, impl, cl=None):
    for r in rows:
        if r["libtorch_build"] == v and r["bench"] == bench and r["impl"] == impl and (cl is None or r.get("channels_last") == cl):
            return t(r)
cases = [("ResNet-18 train step, batch 8, NCHW", "resnet18_train_step", False), ("ResNet-18 train step, channels-last", "resnet18_train_step", True),
         ("HyperIQA-ResNet-50 train step, batch 32, NCHW", "hyperiqa_resnet50_train_step", False),
         ("HyperIQA-ResNet-50 train step, channels-last", "hyperiqa_resnet50_train_step", True),
         ("Algorithm 1 batch (8 crops × 10 steps)", "trigger_search_batch", None), ("α sweep (2 images × 10 crops × 21)", "alpha_sweep", None)]
print("| step | baiqa 1.13 | PyTorch 1.13 | baiqa 2.13 | PyTorch 2.13 | baiqa 2.13 / 1.13 |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, bench, cl in cases:
    py_impl = "pytorch-channels-last" if bench == "alpha_sweep" else "pytorch"
    b1, p1, b2, p2 = find("1", bench, "baiqa", cl), find("1", bench, py_impl, cl), find("2", bench, "baiqa", cl), find("2", bench, py_impl, cl)
    f = lambda x: "—" if x is None else f"{x * 1000:.0f} ms"
    ratio = "—" if not (b1 and b2) else f"{b2 / b1:.2f}"
    print(f"| {name} | {f(b1)} | {f(p1)} | {f(b2)} | {f(p2)} | {ratio} |")
PY
