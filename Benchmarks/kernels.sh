#!/usr/bin/env bash
# Kernel benchmark (not a test): the merge and Gram kernels of Sources/CMergeKernels/merge_kernels.c
# at each SIMD level this CPU has (portable, AVX2, AVX-512), one core, elements per second and
# the ratio to the portable level measured in the same run. Needs clang (the Swift toolchain's).
#
#   usage: Benchmarks/kernels.sh     (env: CC=clang)
set -euo pipefail
cd "$(dirname "$0")/.."
CC=${CC:-clang}
BIN=$(mktemp)
trap 'rm -f "$BIN"' EXIT
"$CC" -O2 -ISources/CMergeKernels/include Sources/CMergeKernels/merge_kernels.c \
    Benchmarks/kernels/kernels_bench.c -lm -o "$BIN"
echo "kernel benchmark: 1 core, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN"
