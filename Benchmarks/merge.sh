#!/usr/bin/env bash
# Merge benchmark (not a test). Builds a Llama-shaped bf16 family (base + two fine-tunes,
# ~2.2 GB each, 2 shards, TinyLlama-1.1B shapes), then measures in the same run:
#   (a) the I/O floor: `cat` of the three inputs to /dev/null + writing one output-sized file;
#   (b) mergetool slerp FT1 FT2 --init BASE --eta 0.3 (release build);
#   (c) the same formula in NumPy, tensor by tensor (Benchmarks/merge/numpy_slerp.py);
#   and checks mergetool's output against a float64 reference (identical bf16 fraction and
#   relative error of the merged task vector). Peak RSS from /usr/bin/time -v.
#
#   usage: Benchmarks/merge.sh [WORK_DIR]   (default bench-out/merge; needs ~15 GB of disk)
#   env:   SCRATCH=.build (swift scratch path), LAYERS=22, RUNS=3 (best of each is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-bench-out/merge}
SCRATCH=${SCRATCH:-.build}
LAYERS=${LAYERS:-22}
RUNS=${RUNS:-3}
mkdir -p "$WORK"

swift build -c release --scratch-path "$SCRATCH" >/dev/null
BIN="$SCRATCH/release/mergetool"
python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy

FAM="$WORK/family-$LAYERS"
if [ ! -f "$FAM/ft2/config.json" ]; then
    echo "generating the model family in $FAM ..." >&2
    python3 Benchmarks/merge/make_family.py "$FAM" --layers "$LAYERS" --shards 2
fi
INPUTS=("$FAM"/base/*.safetensors "$FAM"/ft1/*.safetensors "$FAM"/ft2/*.safetensors)
OUT_BYTES=$(cat "$FAM"/base/*.safetensors | wc -c)
IN_BYTES=$(cat "${INPUTS[@]}" | wc -c)   # also warms the page cache

now() { date +%s.%N; }
# runs "$@" under /usr/bin/time -v; sets SECS and RSS_MB
measure() {
    local log="$WORK/time.log" t0 t1
    t0=$(now)
    /usr/bin/time -v "$@" >"$WORK/stdout.log" 2>"$log"
    t1=$(now)
    SECS=$(echo "$t1 - $t0" | bc -l)
    RSS_MB=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
}

best() { printf '%s\n' "$@" | sort -g | head -n1; }
floor_t=(); tool_t=(); numpy_t=(); tool_rss=0; numpy_rss=0
for run in $(seq "$RUNS"); do
    rm -rf "$WORK/out-mergetool" "$WORK/out-numpy" "$WORK/floor.bin"
    t0=$(now); cat "${INPUTS[@]}" >/dev/null; head -c "$OUT_BYTES" /dev/zero >"$WORK/floor.bin"; t1=$(now)
    floor_t+=("$(echo "$t1 - $t0" | bc -l)")
    rm -f "$WORK/floor.bin"
    measure "$BIN" slerp "$FAM/ft1" "$FAM/ft2" --init "$FAM/base" --eta 0.3 -o "$WORK/out-mergetool" --quiet
    tool_t+=("$SECS"); tool_rss=$RSS_MB
    measure python3 Benchmarks/merge/numpy_slerp.py "$FAM/ft1" "$FAM/ft2" --init "$FAM/base" --eta 0.3 \
        -o "$WORK/out-numpy"
    numpy_t+=("$SECS"); numpy_rss=$RSS_MB
done
F=$(best "${floor_t[@]}"); T=$(best "${tool_t[@]}"); N=$(best "${numpy_t[@]}")
CHECK=$(python3 Benchmarks/merge/numpy_slerp.py "$FAM/ft1" "$FAM/ft2" --init "$FAM/base" --eta 0.3 \
    --verify "$WORK/out-mergetool")

simd() {  # the SIMD level the merge kernels pick at run time (CMergeKernels/merge_kernels.c)
    if grep -qw avx512bw /proc/cpuinfo 2>/dev/null; then echo AVX-512
    elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then echo AVX2
    else echo portable; fi
}
echo
echo "merge benchmark: 3 inputs of $(echo "$IN_BYTES / 3 / 1000000000" | bc -l | cut -c1-4) GB (bf16, 2 shards each), $(nproc) cores, kernels $(simd), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | wall s | × I/O floor | peak RSS MiB |"
echo "|---|---|---|---|"
printf '| I/O floor (cat 3 inputs + write 1 output) | %.2f | 1.00 | – |\n' "$F"
printf '| mergetool slerp --eta 0.3 | %.2f | %.2f | %s |\n' "$T" "$(echo "$T / $F" | bc -l)" "$tool_rss"
printf '| NumPy, tensor by tensor | %.2f | %.2f | %s |\n' "$N" "$(echo "$N / $F" | bc -l)" "$numpy_rss"
echo
printf 'every run, I/O floor / mergetool (s):'
for i in "${!floor_t[@]}"; do printf ' %.2f/%.2f' "${floor_t[$i]}" "${tool_t[$i]}"; done
echo " (best of each above; writing a fresh file is the noisy part here)"
printf 'mergetool is %.1f× faster than NumPy; exactness vs float64 reference: %s\n' "$(echo "$N / $T" | bc -l)" "$CHECK"
