#!/usr/bin/env bash
# Merge benchmark (not a test). Builds one Llama-shaped bf16 family (a base and MAX(MODELS)
# fine-tunes (base + a few bf16 ulps of noise, make_family.py --cheap-noise), 2 shards each,
# TinyLlama widths with LAYERS layers: ~1.05 GB per checkpoint at
# the default 9), then, for each M in MODELS and in the same run, alternating:
#   (a) the I/O floor: `cat` of the M + 1 inputs to /dev/null + writing one output-sized file
#       with fsync (dd conv=fsync);
#   (b) mergetool slerp FT1 … FTM --init BASE --eta 0.3 (release build; it fsyncs its output),
#       then `sync` of the files it wrote (fsync of each: a global sync would also wait for
#       other processes' writes on a shared machine).
# Prints per M the best of RUNS for each, their ratio, the CPU time (user + sys) of both sides
# (the fairer figure when other processes share the cores), mergetool's peak RSS, and the load
# average before each mergetool run. BASELINE=/path/to/older/mergetool also times that binary,
# alternating with this one (a before/after comparison in one run). CHECK=1 also checks the
# M = 2 output against a float64 NumPy reference, NUMPY=1 times the NumPy merge (M = 2 only,
# slow). METHOD=lerp times `lerp` (equal weights) instead of `slerp --eta 0.3`.
#
#   usage: Benchmarks/merge.sh [WORK_DIR]   (default $TMPDIR or /tmp/mergetool-merge-bench;
#          ~12 GB of disk; the family is kept there for the next run, delete it when done)
#   env:   SCRATCH=.build, LAYERS=9, MODELS="2 4 8", RUNS=3, BASELINE=, CHECK=0, NUMPY=0,
#          METHOD=slerp, FAMILY=dir (an existing family with base, ft1 … ftMAX), BIN=prebuilt,
#          FRESH=1 (drop the family from the page cache and read it back once first:
#          Benchmarks/page_cache.sh says why)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-${TMPDIR:-/tmp}/mergetool-merge-bench}
SCRATCH=${SCRATCH:-.build}
LAYERS=${LAYERS:-9}
MODELS=${MODELS:-"2 4 8"}
RUNS=${RUNS:-3}
METHOD=${METHOD:-slerp}
mkdir -p "$WORK"

if [ -z "${BIN:-}" ]; then
    swift build -c release --scratch-path "$SCRATCH" >/dev/null
    BIN="$SCRATCH/release/mergetool"
fi
python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

MAXM=$(printf '%s\n' $MODELS | sort -n | tail -n1)
FAM=${FAMILY:-"$WORK/family-L$LAYERS-M$MAXM"}
if [ ! -f "$FAM/ft$MAXM/config.json" ]; then
    echo "generating the model family in $FAM ..." >&2
    python3 Benchmarks/merge/make_family.py "$FAM" --layers "$LAYERS" --shards 2 \
        --models "$MAXM" --cheap-noise
fi
OUT_BYTES=$(cat "$FAM"/base/*.safetensors | wc -c)
# shellcheck source=Benchmarks/page_cache.sh
. Benchmarks/page_cache.sh
if [ "${FRESH:-1}" = 1 ]; then
    echo "reading the family into the page cache afresh (FRESH=0 skips this) ..." >&2
    fresh_page_cache "$FAM"/*/*.safetensors
fi

now() { date +%s.%N; }
best() { printf '%s\n' "$@" | sort -g | head -n1; }
inputs() { echo "$FAM"/base/*.safetensors; for k in $(seq "$1"); do echo "$FAM"/ft"$k"/*.safetensors; done; }
models() { for k in $(seq "$1"); do echo "$FAM/ft$k"; done; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A FLOOR TOOL RSS BASE FCPU TCPU BCPU LOADS
# cpu_of FILE: user + sys seconds from a /usr/bin/time -v log
cpu_of() { awk -F: '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"; }
# merge_with BIN M: one timed merge of M fine-tunes + sync; sets SECS, CPU and RSS_MB
merge_with() {
    local t0 t1 how
    rm -rf "$WORK/out-m$2"
    how=(--eta 0.3)
    [ "$METHOD" = slerp ] || how=()
    t0=$(now)
    # shellcheck disable=SC2046
    /usr/bin/time -v "$1" "$METHOD" $(models "$2") --init "$FAM/base" "${how[@]}" \
        -o "$WORK/out-m$2" --quiet >"$WORK/stdout.log" 2>"$WORK/time.log" \
        || { head -n 2 "$WORK/time.log" >&2; exit 1; }
    sync "$WORK/out-m$2"/* "$WORK/out-m$2"
    t1=$(now)
    SECS=$(echo "$t1 - $t0" | bc -l)
    CPU=$(cpu_of "$WORK/time.log")
    RSS_MB=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time.log")
}
for run in $(seq "$RUNS"); do
    for m in $MODELS; do
        # shellcheck disable=SC2046
        cat $(inputs "$m") >/dev/null  # the same warm page cache for both sides
        rm -f "$WORK/floor.bin"
        t0=$(now)
        # shellcheck disable=SC2046
        /usr/bin/time -v -o "$WORK/cat.log" cat $(inputs "$m") >/dev/null
        /usr/bin/time -v -o "$WORK/dd.log" dd if=/dev/zero of="$WORK/floor.bin" bs=4M \
            count=$(( (OUT_BYTES + 4194303) / 4194304 )) conv=fsync status=none
        sync "$WORK/floor.bin"
        t1=$(now)
        FLOOR[$m]+="$(echo "$t1 - $t0" | bc -l) "
        FCPU[$m]+="$(echo "$(cpu_of "$WORK/cat.log") + $(cpu_of "$WORK/dd.log")" | bc -l) "
        rm -f "$WORK/floor.bin"
        if [ -n "${BASELINE:-}" ]; then
            merge_with "$BASELINE" "$m"
            BASE[$m]+="$SECS "
            BCPU[$m]+="$CPU "
        fi
        LOADS[$m]+="$(cut -d' ' -f1 /proc/loadavg) "
        merge_with "$BIN" "$m"
        TOOL[$m]+="$SECS "
        TCPU[$m]+="$CPU "
        RSS[$m]=$RSS_MB
        [ "$m" = 2 ] || rm -rf "$WORK/out-m$m"
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

simd() {  # the SIMD level the merge kernels pick at run time (CMergeKernels/merge_kernels.c)
    if grep -qw avx512bw /proc/cpuinfo 2>/dev/null; then echo AVX-512
    elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then echo AVX2
    else echo portable; fi
}
echo
echo "merge benchmark: bf16 checkpoints of $(echo "$OUT_BYTES / 1000000000" | bc -l | cut -c1-4) GB" \
    "(2 shards, $LAYERS layers), $(nproc) cores, kernels $(simd), best of $RUNS alternating runs," \
    "sync on both sides; load before $LOAD_BEFORE, after $LOAD_AFTER"
echo
echo "| M | I/O floor s (cat M+1 inputs + write 1 output, fsync) | mergetool $METHOD s |" \
    "× floor | CPU s floor / mergetool | peak RSS MiB |" \
    "${BASELINE:+baseline s | × floor | baseline CPU s |}"
echo "|---|---|---|---|---|---|${BASELINE:+---|---|---|}"
for m in $MODELS; do
    # shellcheck disable=SC2086
    F=$(best ${FLOOR[$m]}); T=$(best ${TOOL[$m]}); FC=$(best ${FCPU[$m]}); TC=$(best ${TCPU[$m]})
    printf '| %s | %.2f | %.2f | %.2f | %.2f / %.2f | %s |' "$m" "$F" "$T" \
        "$(echo "$T / $F" | bc -l)" "$FC" "$TC" "${RSS[$m]}"
    if [ -n "${BASELINE:-}" ]; then
        # shellcheck disable=SC2086
        B=$(best ${BASE[$m]}); BC=$(best ${BCPU[$m]})
        printf ' %.2f | %.2f | %.2f |' "$B" "$(echo "$B / $F" | bc -l)" "$BC"
    fi
    echo
done
echo
for m in $MODELS; do
    printf 'M = %s, every run floor/mergetool%s s [load]:' "$m" "${BASELINE:+/baseline}"
    read -r -a f <<<"${FLOOR[$m]}"; read -r -a t <<<"${TOOL[$m]}"; read -r -a b <<<"${BASE[$m]:-}"
    read -r -a l <<<"${LOADS[$m]}"
    for i in "${!f[@]}"; do
        printf ' %.2f/%.2f' "${f[$i]}" "${t[$i]}"
        [ -z "${BASELINE:-}" ] || printf '/%.2f' "${b[$i]}"
        printf ' [%s]' "${l[$i]}"
    done
    echo
done

if [ "${CHECK:-0}" = 1 ] && [ -d "$WORK/out-m2" ]; then
    printf 'M = 2 exactness vs float64 reference: '
    python3 Benchmarks/merge/numpy_slerp.py "$FAM/ft1" "$FAM/ft2" --init "$FAM/base" --eta 0.3 \
        --verify "$WORK/out-m2"
fi
if [ "${NUMPY:-0}" = 1 ]; then
    rm -rf "$WORK/out-numpy"
    t0=$(now)
    python3 Benchmarks/merge/numpy_slerp.py "$FAM/ft1" "$FAM/ft2" --init "$FAM/base" --eta 0.3 \
        -o "$WORK/out-numpy"
    sync
    t1=$(now)
    printf 'NumPy, tensor by tensor, M = 2: %.2f s\n' "$(echo "$t1 - $t0" | bc -l)"
    rm -rf "$WORK/out-numpy"
fi
rm -rf "$WORK/out-m2"
