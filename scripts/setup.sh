#!/usr/bin/env bash
# Installs what baiqa needs on a Debian 12 machine: libtorch (C++) and the image codecs.
# The Swift toolchain (6.x) must already be on PATH. Safe to re-run: installs only what is missing.
#
#   scripts/setup.sh [--libtorch debian|pypi|pypi-cuda] [--fetch-only]
#
#   debian     Debian's libtorch-dev (1.13, CPU), on the compiler's default paths.
#   pypi       PyTorch's CPU wheel (torch==$BAIQA_TORCH_VERSION+cpu, default 2.13.0): only its lib/ and
#              include/ are unpacked into .libtorch/ (git ignores it); no Python at run time.
#   pypi-cuda  PyTorch's CUDA wheel from PyPI (torch==$BAIQA_TORCH_CUDA_VERSION, default 2.15.0) and
#              the nvidia-* wheels it needs, unpacked the same way (≈ 4 GB). Runs on a machine without a
#              GPU too (--device auto is then the CPU).
#
# Without --libtorch: the choice of the last run (.libtorch/choice), else pypi, measured 3–6% faster than
# debian on every step on the CPU (benchmarks/README.md, 2026-12-05); where the CPU wheel cannot be had
# from this machine's package sources, the default falls back to debian and says so.
# --fetch-only: fetch and unpack a PyPI libtorch without making it this checkout's, and print its folder
# (for LIBTORCH=…, e.g. CI testing the other libtorch in a build folder of its own).
# Package.swift builds against .libtorch/current when it exists; LIBTORCH=/path overrides everything.
# Set BAIQA_BENCH_DEPS=1 to also install Debian's python3-torch for the PyTorch side of benchmarks/.
set -euo pipefail
cd "$(dirname "$0")/.."

default_libtorch=pypi
choice=""
fetch_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --libtorch) choice="${2:-}"; shift 2 ;;
    --libtorch=*) choice="${1#--libtorch=}"; shift ;;
    --fetch-only) fetch_only=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument '$1' (expected --libtorch debian|pypi|pypi-cuda)" >&2; exit 64 ;;
  esac
done
explicit=1
if [ -z "$choice" ] && [ -f .libtorch/choice ]; then choice=$(cat .libtorch/choice); fi
if [ -z "$choice" ]; then choice=$default_libtorch; explicit=0; fi
case "$choice" in
  debian|pypi|pypi-cuda) ;;
  *) echo "setup: --libtorch must be debian, pypi or pypi-cuda, not '$choice'" >&2; exit 64 ;;
esac
if [ "$fetch_only" = 1 ] && [ "$choice" = debian ]; then echo "setup: --fetch-only applies to --libtorch pypi and pypi-cuda" >&2; exit 64; fi

# Installs the Debian packages named that are missing.
install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# libcurl4: FoundationNetworking (weights downloads) links it.
common=(libjpeg62-turbo-dev libpng-dev zlib1g-dev unzip gnuplot-nox libcurl4)
python3 -m pip --version >/dev/null 2>&1 || common+=(python3-pip)
if [ "${BAIQA_BENCH_DEPS:-0}" = 1 ]; then common+=(python3-torch); fi
install "${common[@]}"
pip=(python3 -m pip)

# The default's wheel must be reachable; else Debian's libtorch, said plainly (an explicit choice fails instead).
if [ "$choice" = pypi ] && [ "$explicit" = 0 ] && [ ! -f ".libtorch/pypi-cpu-${BAIQA_TORCH_VERSION:-2.13.0}/torch/lib/libtorch_cpu.so" ]; then
  mkdir -p .libtorch/wheels   # (kept for the unpacking below: pip does not fetch a file twice)
  if ! "${pip[@]}" download -q --no-deps --only-binary=:all: --python-version 3.11 -d .libtorch/wheels "torch==${BAIQA_TORCH_VERSION:-2.13.0}+cpu" >/dev/null 2>&1; then
    echo "setup: torch==${BAIQA_TORCH_VERSION:-2.13.0}+cpu is not in this machine's package sources; using Debian's libtorch 1.13 instead" >&2
    choice=debian
    rm -rf .libtorch/wheels
  fi
fi

# libopenblas0-pthread: libtorch-dev only pulls the reference BLAS, which makes every Linear/matmul
# (TReS's transformer, HyperIQA's target network) ~8x slower (TReS cpu train step 4.5 s -> 0.55 s).
if [ "$choice" = debian ]; then install libtorch-dev libopenblas0-pthread; fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: no 'swift' on PATH; install a Swift 6 toolchain (swift.org) first" >&2
  exit 1
fi

mkdir -p .libtorch

# Unpacks torch/lib and torch/include of a wheel (and every nvidia-* wheel's libraries, whose folders
# libtorch_cuda finds through its $ORIGIN/../../nvidia/... rpath) into $1.
unpack() {
  local target=$1 wheels=$2
  rm -rf "$target.tmp" && mkdir -p "$target.tmp"
  for w in "$wheels"/*.whl; do
    case "$(basename "$w")" in
      torch-*) unzip -q -o "$w" 'torch/lib/*' 'torch/include/*' 'torch/version.py' -d "$target.tmp" ;;
      nvidia_*) unzip -q -o "$w" 'nvidia/*' -d "$target.tmp" ;;
    esac
  done
  rm -rf "$target" && mv "$target.tmp" "$target"
}

case "$choice" in
  debian)
    rm -f .libtorch/current
    version=$(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo "?") ;;
  pypi)
    version=${BAIQA_TORCH_VERSION:-2.13.0}
    target=.libtorch/pypi-cpu-$version
    if [ ! -f "$target/torch/lib/libtorch_cpu.so" ]; then
      echo "setup: fetching torch==$version+cpu (its lib/ and include/ only are kept)" >&2
      mkdir -p .libtorch/wheels
      "${pip[@]}" download --no-deps --only-binary=:all: --python-version 3.11 -d .libtorch/wheels "torch==$version+cpu" >&2 || {
        echo "setup: torch==$version+cpu is not in this machine's package sources (pip's index or find-links)" >&2; exit 1; }
      unpack "$target" .libtorch/wheels
      rm -rf .libtorch/wheels
    fi
    folder="pypi-cpu-$version/torch" ;;
  pypi-cuda)
    version=${BAIQA_TORCH_CUDA_VERSION:-2.15.0}
    target=.libtorch/pypi-cuda-$version
    if [ ! -f "$target/torch/lib/libtorch_cuda.so" ]; then
      echo "setup: fetching torch==$version with its CUDA libraries from PyPI (≈ 4 GB; lib/ and include/ only are kept)" >&2
      rm -rf .libtorch/wheels && mkdir -p .libtorch/wheels
      platforms=(--only-binary=:all: --python-version 3.11)
      # pip matches platform tags exactly, and NVIDIA's wheels use several (manylinux_2_25, _2_27, _2_28, …).
      for n in $(seq 17 39); do platforms+=(--platform "manylinux_2_${n}_x86_64"); done
      platforms+=(--platform manylinux2014_x86_64)
      "${pip[@]}" download --no-deps "${platforms[@]}" -d .libtorch/wheels "torch==$version" >&2
      # Its CUDA libraries one by one: a pinned version PyPI no longer has is replaced by the newest of
      # the same major version (same sonames, e.g. nvidia-nccl-cu13 2.30.7 → 2.32.x).
      unzip -p .libtorch/wheels/torch-"$version"-*.whl '*/METADATA' | sed -n 's/^Requires-Dist: \(\(nvidia-\|cuda-toolkit\)[^;]*\);.*Linux.*/\1/p' |
      while read -r req; do
        name=${req%%==*}; pinned=${req#*==}
        "${pip[@]}" download "${platforms[@]}" -d .libtorch/wheels "$req" >&2 2>/dev/null ||
          "${pip[@]}" download "${platforms[@]}" -d .libtorch/wheels "$name~=$(cut -d. -f1,2 <<<"$pinned")" >&2 ||
          { echo "setup: $req is not on PyPI, nor a newer $name of the same major version" >&2; exit 1; }
      done || exit 1
      unpack "$target" .libtorch/wheels
      rm -rf .libtorch/wheels
    fi
    folder="pypi-cuda-$version/torch" ;;
esac
if [ "$fetch_only" = 1 ]; then
  echo "$PWD/.libtorch/$folder"
  exit 0
fi
[ "$choice" = debian ] || ln -sfn "$folder" .libtorch/current
echo "$choice" > .libtorch/choice
# SwiftPM caches the evaluated manifest; a changed libtorch must re-evaluate it (and rebuild the shim).
# (A build folder from before this file existed was made with an unknown libtorch: rebuilt too.)
if [ -d .build ] && { [ ! -f .libtorch/built-with ] || [ "$(cat .libtorch/built-with)" != "$choice $version" ]; }; then
  echo "setup: libtorch changed to $choice $version; removing .build so that everything is rebuilt against it" >&2
  rm -rf .build
fi
echo "$choice $version" > .libtorch/built-with
echo "setup: ok ($(swift --version 2>&1 | head -1); libtorch $version from $choice${LIBTORCH:+, overridden by LIBTORCH=$LIBTORCH})" >&2
