#!/usr/bin/env bash
# Installs what baiqa needs on a Debian 12 machine: libtorch (C++, CPU) and the image codecs.
# The Swift toolchain (6.x) must already be on PATH. Safe to re-run: installs only what is missing.
# Set BAIQA_BENCH_DEPS=1 to also install Debian's python3-torch for the PyTorch side of benchmarks/.
set -euo pipefail

# libopenblas0-pthread: libtorch-dev only pulls the reference BLAS, which makes every Linear/matmul
# (TReS's transformer, HyperIQA's target network) ~8x slower (TReS cpu train step 4.5 s -> 0.55 s).
packages=(libtorch-dev libopenblas0-pthread libjpeg62-turbo-dev libpng-dev zlib1g-dev)
if [ "${BAIQA_BENCH_DEPS:-0}" = 1 ]; then packages+=(python3-torch); fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: no 'swift' on PATH; install a Swift 6 toolchain (swift.org) first" >&2
  exit 1
fi
echo "setup: ok ($(swift --version 2>&1 | head -1); libtorch $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo "from LIBTORCH=${LIBTORCH:-?}"))" >&2
