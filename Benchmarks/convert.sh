#!/usr/bin/env bash
# Benchmark (not a test): `mergetool convert` (byte copy) of a >= 2 GiB bf16 sharded checkpoint
# against `cp -r` of the same directory, plus `convert --dtype f32`, in one run. Every command
# is timed together with a `sync` of the files it wrote (fsync of each; mergetool fsyncs its
# output itself, cp does not; a global sync would also wait for other processes' writes),
# RUNS times alternating, warm cache; the best run of each is reported with its ratio to cp.
#
#   swift build -c release && Benchmarks/convert.sh [WORK_DIR]
#   env: RUNS=3, GIB=2.25 (checkpoint size), MERGETOOL=.build/release/mergetool,
#        SRC=dir (an existing sharded checkpoint to copy instead of generating one)
#
# Needs python3 + numpy (generator) and GNU time (/usr/bin/time; apt-get install time).
# Targets (issue 12): byte-copy convert <= 1.1x cp -r; peak RSS (maximum resident set size as
# /usr/bin/time -v reports it) < 256 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MERGETOOL:-.build/release/mergetool}
WORK=${1:-${TMPDIR:-/tmp}/mergetool-convert-bench}
GIB=${GIB:-2.25}
RUNS=${RUNS:-3}
[ -x "$BIN" ] || { echo "build first: swift build -c release ($BIN missing)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
mkdir -p "$WORK"
SRC=${SRC:-"$WORK/src"}
if [ ! -f "$SRC/model.safetensors.index.json" ]; then
    python3 Benchmarks/convert/make_checkpoint.py "$SRC" --gib "$GIB"
fi
SIZE=$(du -sb "$SRC" | cut -f1)
cat "$SRC"/*.safetensors >/dev/null  # warm cache

now() { date +%s.%N; }
best() { printf '%s\n' "$@" | sort -g | head -n1; }
# once NAME OUT CMD...: one timed run of CMD + sync (OUT removed before and after); appends
# the wall time to WALL[NAME] and keeps the peak RSS.
declare -A WALL RSS
once() {
    local name=$1 out=$2 t0 t1; shift 2
    rm -rf "$out"
    sync
    t0=$(now)
    /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null
    sync "$out"/* "$out"
    t1=$(now)
    WALL[$name]+="$(echo "$t1 - $t0" | bc -l) "
    RSS[$name]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    rm -rf "$out"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$RUNS"); do
    once cp "$WORK/cp-out" cp -r "$SRC" "$WORK/cp-out"
    once convert "$WORK/conv-out" "$BIN" convert "$SRC" -o "$WORK/conv-out" --quiet
done
once convert-f32 "$WORK/f32-out" "$BIN" convert "$SRC" -o "$WORK/f32-out" --dtype f32 \
    --shard-size 2GB --quiet
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

echo "checkpoint: $SRC ($(awk "BEGIN {printf \"%.2f\", $SIZE / 2^30}") GiB), $(nproc) cores," \
    "warm cache," \
    "best of $RUNS alternating runs (f32: 1 run), sync included; load before $LOAD_BEFORE," \
    "after $LOAD_AFTER"
printf '%-14s %9s %9s %12s %12s  %s\n' command "wall s" "x cp" "GB/s (read)" "peak RSS MiB" \
    "every run (s)"
# shellcheck disable=SC2086
CP=$(best ${WALL[cp]})
for name in cp convert convert-f32; do
    # shellcheck disable=SC2086
    w=$(best ${WALL[$name]}); r=${RSS[$name]}
    awk -v n="$name" -v w="$w" -v c="$CP" -v r="$r" -v s="$SIZE" -v all="${WALL[$name]}" \
        'BEGIN {printf "%-14s %9.2f %9.2f %12.2f %12.1f  %s\n", n, w, w / c, s / w / 1e9, r / 1024, all}'
done
