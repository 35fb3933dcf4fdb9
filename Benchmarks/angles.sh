#!/usr/bin/env bash
# Benchmark (not a test): `mergetool angles A B --init BASE --json` over a >= 2 GiB bf16 family
# (the merge benchmark's, Benchmarks/merge/make_family.py: Llama-shaped, 1.1B parameters,
# 2.2 GB per model, sharded), against the I/O floor measured in the same run: `cat` of the
# three inputs to /dev/null with the page cache warm. Reports both times, their ratio and the
# peak RSS of the angles run (/usr/bin/time -v). Targets (issue 12): <= 1.0x the floor, RSS
# < 256 MiB.
#
# usage: Benchmarks/angles.sh     (env: FAMILY=dir, SCRATCH=.build-dir, RUNS=2, BIN=prebuilt,
#        FRESH=1)
# The family is generated once into $FAMILY (about 6.6 GB for base + 2 fine-tunes).
set -euo pipefail
cd "$(dirname "$0")/.."

FAMILY=${FAMILY:-/tmp/mergetool-bench-family}
SCRATCH=${SCRATCH:-.build-d}
RUNS=${RUNS:-2}

if [ ! -x /usr/bin/time ]; then
    echo "installing time (for peak RSS)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

if [ -z "${BIN:-}" ]; then
    swift build -c release --scratch-path "$SCRATCH" --product mergetool >/dev/null
    BIN="$SCRATCH/release/mergetool"
fi

if [ ! -f "$FAMILY/ft2/model.safetensors.index.json" ]; then
    echo "generating the family into $FAMILY (once)"
    python3 Benchmarks/merge/make_family.py "$FAMILY" --models 2
fi
FILES=$(ls "$FAMILY"/base/*.safetensors "$FAMILY"/ft1/*.safetensors "$FAMILY"/ft2/*.safetensors)
BYTES=$(cat $FILES | wc -c)

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
simd() {  # the SIMD level the merge kernels pick at run time (CMergeKernels/merge_kernels.c)
    if grep -qw avx512bw /proc/cpuinfo 2>/dev/null; then echo AVX-512
    elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then echo AVX2
    else echo portable; fi
}
echo "machine: $(nproc) cores, kernels $(simd), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "inputs: 3 checkpoints, $(awk -v b="$BYTES" 'BEGIN { printf "%.2f GiB", b / 2^30 }')"

# Warm the page cache once so both measurements read from memory, afresh (FRESH=0: as it is;
# Benchmarks/page_cache.sh says why).
# shellcheck source=Benchmarks/page_cache.sh
. Benchmarks/page_cache.sh
if [ "${FRESH:-1}" = 1 ]; then
    # shellcheck disable=SC2086
    fresh_page_cache $FILES
else
    cat $FILES >/dev/null
fi

best_floor=999999; best_angles=999999; rss=0
for run in $(seq 1 "$RUNS"); do
    t0=$(now); /usr/bin/time -f "%U %S" -o /tmp/angles-bench-cat.txt cat $FILES > /dev/null; t1=$(now)
    floor=$(calc "$t1 - $t0")
    cat_cpu=$(awk '{ print $1 + $2 }' /tmp/angles-bench-cat.txt)
    t0=$(now)
    /usr/bin/time -v -o /tmp/angles-bench-time.txt \
        "$BIN" angles "$FAMILY/ft1" "$FAMILY/ft2" --init "$FAMILY/base" --json --quiet \
        > /tmp/angles-bench.json
    t1=$(now)
    angles=$(calc "$t1 - $t0")
    kib=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' /tmp/angles-bench-time.txt)
    cpu=$(awk -F: '/User time|System time/ { s += $2 } END { print s }' /tmp/angles-bench-time.txt)
    printf "run %d (load %s): I/O floor (cat) %.2f s = %.2f GB/s; angles %.2f s = %.2f GB/s; ratio %.2f; peak RSS %d MiB\n" \
        "$run" "$(cut -d' ' -f1 /proc/loadavg)" "$floor" "$(calc "$BYTES / $floor / 1e9")" "$angles" \
        "$(calc "$BYTES / $angles / 1e9")" "$(calc "$angles / $floor")" "$((kib / 1024))"
    printf "       cpu time (user+sys): cat %.2f s, angles %.2f s (ratio %.2f; wall is inflated when the cores are shared)\n" \
        "$cat_cpu" "$cpu" "$(calc "$cpu / $cat_cpu")"
    best_floor=$(calc "($floor < $best_floor) ? $floor : $best_floor")
    best_angles=$(calc "($angles < $best_angles) ? $angles : $best_angles")
    [ "$kib" -gt "$rss" ] && rss=$kib
done
printf "best: I/O floor %.2f s, angles %.2f s, ratio %.2f (target <= 1.0); peak RSS %d MiB (target < 256)\n" \
    "$best_floor" "$best_angles" "$(calc "$best_angles / $best_floor")" "$((rss / 1024))"
python3 -c "import json,sys; r=json.load(open('/tmp/angles-bench.json')); \
print('groups:', len(r['groups']), ' first group:', r['groups'][0]['name'], \
' cos(task 1,2) =', r['groups'][1]['task_vectors']['cos'][0][1])"
