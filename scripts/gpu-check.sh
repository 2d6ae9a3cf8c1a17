#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU (about 10 minutes): builds baiqa against a CUDA libtorch,
# runs the device-relevant tests on the GPU, checks that the GPU computes what the CPU computes, times
# the paper-scale steps against PyTorch on the same GPU, and prints one summary table.
#
#   scripts/gpu-check.sh [--out DIR]
#
# The CUDA libtorch is, in this order: LIBTORCH (a folder with include/ and lib/); the torch package
# of python3 when it was built with CUDA (its lib/ and include/ only; Python does not run in baiqa);
# else `scripts/setup.sh --libtorch pypi-cuda` (a download of ≈ 4 GB). Steps and their logs go to DIR
# (default gpu-check/, which git ignores); the summary is also DIR/summary.md.
#
# Parity: one training step's gradients, trigger injection, one search step and one PGD step's
# gradient, GPU against CPU, relative L2 difference ≤ 1e-3. Timings (GPU, after warm-up, synchronised):
# HyperIQA-ResNet-50 train step (batch 32 of 224²), an Algorithm 1 batch (32 crops × 10 Adam steps),
# and the α sweep (2 images × 25 crops × 21 passes), each beside the same computation in PyTorch.
set -uo pipefail
cd "$(dirname "$0")/.."
out=gpu-check
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
mkdir -p "$out"
start=$(date +%s)
say() { echo "gpu-check: $*" >&2; }

# 0. Is there a GPU at all? (Without one there is nothing to check; say so at once.)
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  say "no GPU visible (nvidia-smi $(command -v nvidia-smi >/dev/null 2>&1 && echo 'lists no device' || echo 'is not installed')); nothing to check here. Run it on a machine with an NVIDIA GPU and its driver."
  exit 3
fi
gpu=$(nvidia-smi -L | head -1)
say "$gpu"

# 1. A CUDA libtorch.
if [ -z "${LIBTORCH:-}" ]; then
  py_torch=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__) if torch.version.cuda else "")' 2>/dev/null || true)
  if [ -n "$py_torch" ] && [ -f "$py_torch/lib/libtorch_cuda.so" ]; then
    export LIBTORCH=$py_torch
    say "using python3's CUDA torch at $LIBTORCH"
  else
    scripts/setup.sh --libtorch pypi-cuda >"$out/setup.log" 2>&1 || { say "set-up failed (see $out/setup.log)"; exit 1; }
    export LIBTORCH=$(cd .libtorch/current && pwd -P)
  fi
fi
export LIBTORCH_CXX11_ABI=${LIBTORCH_CXX11_ABI:-$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)}

# 2. Build (its own build folder, so that the CPU build stays as it is).
scratch=.build-cuda
say "building against $LIBTORCH (C++11 ABI $LIBTORCH_CXX11_ABI)"
swift build -c release --scratch-path "$scratch" --product baiqa-bench >"$out/build.log" 2>&1 &&
  swift build -c release --scratch-path "$scratch" --product baiqa >>"$out/build.log" 2>&1 || { say "build failed (see $out/build.log)"; exit 1; }
bench=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/baiqa-bench
BAIQA_DEVICE=cuda "$bench" device >"$out/device.json" 2>&1 || { say "the CUDA build cannot use the GPU: $(cat "$out/device.json")"; exit 1; }
say "device: $(cat "$out/device.json")"

# 3. Tests with the GPU as the device: injection, search, PGD, training, evaluation, the CLI's runs.
say "tests on cuda"
BAIQA_DEVICE=cuda swift test --scratch-path "$scratch-tests" --disable-swift-testing \
  --filter 'DeviceTests|DeviceParityTests|UAPSearchTests|TargetedPGDTests|AlphaSweepTests|TrainEvaluateScoreTests|AttackStepCommandTests|ExperimentCommandTests|PretrainSCNNTests|StepFaultTests.testTriggerSearch' \
  >"$out/tests.log" 2>&1
tests_status=$?
tests_line=$(grep -E "Executed [0-9]+ tests" "$out/tests.log" | tail -1 | sed 's/^[[:space:]]*//')

# 4. Parity, GPU against CPU.
"$bench" parity cuda >"$out/parity.jsonl" 2>>"$out/parity.log"
parity_status=$?

# 5. Timings, baiqa then PyTorch on the same GPU.
export BENCH_DEVICE=cuda
{ BAIQA_DEVICE=cuda "$bench" hyperiqa 20; BAIQA_DEVICE=cuda "$bench" search 32 10; BAIQA_DEVICE=cuda "$bench" sweep 2 25; } >"$out/timings.jsonl" 2>>"$out/timings.log"
{ python3 benchmarks/pytorch_hyperiqa_step.py 1 20; python3 benchmarks/pytorch_attack_steps.py 1 search; python3 benchmarks/pytorch_attack_steps.py 1 sweep; } \
  >>"$out/timings.jsonl" 2>>"$out/timings.log"

# 6. The summary.
"$bench" gpu-summary "$out" "$gpu" "$tests_status" "$tests_line" "$parity_status" "$(( $(date +%s) - start ))" | tee "$out/summary.md"
[ "$tests_status" = 0 ] && [ "$parity_status" = 0 ] && grep -q '"passed": *true' "$out/parity.jsonl" && ! grep -q '"passed": *false' "$out/parity.jsonl"
