#!/usr/bin/env bash
# Benchmark (not a test): `mergetool convert` of a >= 2 GiB bf16 sharded checkpoint against
# `cp -r` of the same directory, plus `convert --dtype f32`, in one run.
#
#   swift build -c release && Benchmarks/convert.sh [WORK_DIR]
#
# Needs python3 + numpy (generator) and GNU time (/usr/bin/time; apt-get install time).
# Page cache: every command runs twice back to back and the second (warm) run is reported, so
# cp and convert both read from a warm cache. Targets (issue 2): copy convert <= 1.3x cp,
# peak RSS (maximum resident set size as /usr/bin/time -v reports it) < 256 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MERGETOOL:-.build/release/mergetool}
WORK=${1:-${TMPDIR:-/tmp}/mergetool-convert-bench}
GIB=${GIB:-2.25}
[ -x "$BIN" ] || { echo "build first: swift build -c release ($BIN missing)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
mkdir -p "$WORK"
SRC="$WORK/src"
if [ ! -f "$SRC/model.safetensors.index.json" ]; then
    python3 Benchmarks/convert/make_checkpoint.py "$SRC" --gib "$GIB"
fi
SIZE=$(du -sb "$SRC" | cut -f1)

# run NAME OUT CMD...: runs CMD twice (removing OUT before each), keeps the 2nd run's figures.
declare -A WALL RSS
run() {
    local name=$1 out=$2; shift 2
    for i in 1 2; do
        rm -rf "$out"
        /usr/bin/time -v -o "$WORK/time.txt" "$@" > /dev/null
        sync
    done
    WALL[$name]=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$WORK/time.txt")
    RSS[$name]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    rm -rf "$out"
}

run cp "$WORK/cp-out" cp -r "$SRC" "$WORK/cp-out"
run convert "$WORK/conv-out" "$BIN" convert "$SRC" -o "$WORK/conv-out" --quiet
run convert-f32 "$WORK/f32-out" "$BIN" convert "$SRC" -o "$WORK/f32-out" --dtype f32 --shard-size 2GB --quiet

echo "checkpoint: $SRC ($(awk "BEGIN {printf \"%.2f\", $SIZE / 2^30}") GiB), warm cache, 2nd of 2 runs"
printf '%-14s %9s %9s %12s %12s\n' command "wall s" "x cp" "GB/s (read)" "peak RSS MiB"
for name in cp convert convert-f32; do
    w=${WALL[$name]}; r=${RSS[$name]}
    awk -v n="$name" -v w="$w" -v c="${WALL[cp]}" -v r="$r" -v s="$SIZE" \
        'BEGIN {printf "%-14s %9.2f %9.2f %12.2f %12.1f\n", n, w, w / c, s / w / 1e9, r / 1024}'
done
