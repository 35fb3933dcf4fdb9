#!/usr/bin/env bash
# The merging part of `make demo`: a small Llama-shaped bf16 family (base + two fine-tunes,
# sharded), SLERP of the task vectors fused with a LITI front, the same front point by
# slerp-then-liti, an extrapolation, and what was done.
#   usage: examples/demo-merge.sh [OUT_DIR]      (MERGETOOL=path/to/mergetool to override)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MERGETOOL:-.build/release/mergetool}
OUT=${1:-demo-out/merge}
rm -rf "$OUT"
mkdir -p "$OUT"
step() { printf '\n== %s ==\n' "$*"; }

step "1. a small model family in $OUT/family (python3 + numpy)"
python3 Benchmarks/merge/make_family.py "$OUT/family" --layers 4 --hidden 256 --intermediate 688 \
    --vocab 2000 --heads 8 --kv-heads 2 --shards 2
ls "$OUT/family/base"

step "2. the groups: one SLERP angle per transformer block"
"$BIN" slerp "$OUT/family/ft1" "$OUT/family/ft2" --init "$OUT/family/base" \
    --dry-run -o "$OUT/front" | tail -n 6

step "3. SLERP of the two task vectors fused with a LITI front (one read of the inputs)"
"$BIN" slerp "$OUT/family/ft1" "$OUT/family/ft2" --init "$OUT/family/base" \
    --eta 0,0.1,0.3,0.5,0.8,1 -o "$OUT/front" --quiet
ls "$OUT/front" "$OUT/front/eta-0.3"

step "4. the same point in two steps: slerp, then liti at eta 0.3"
"$BIN" slerp "$OUT/family/ft1" "$OUT/family/ft2" --init "$OUT/family/base" \
    --dtype f64 -o "$OUT/slerp-f64" --quiet
"$BIN" liti "$OUT/slerp-f64" --init "$OUT/family/base" --eta 0.3 -o "$OUT/liti-0.3" --quiet
hashes() { "$BIN" inspect "$1" --hash | awk 'length($NF) == 64 {print $1, $NF}' | sort; }
if [ "$(hashes "$OUT/front/eta-0.3")" = "$(hashes "$OUT/liti-0.3")" ]; then
    echo "fused front point == slerp (f64) + liti: every tensor's sha256 is the same"
else
    echo "fused front point and slerp + liti differ" >&2
    exit 1
fi

step "5. extrapolation past the merge (eta 1.5) and the recipe it records"
"$BIN" extrapolate "$OUT/front/eta-1" --init "$OUT/family/base" --eta 1.5 -o "$OUT/extrapolated"
cat "$OUT/extrapolated/README.md"

step "6. the merge report as JSON (first lines)"
"$BIN" slerp "$OUT/family/ft1" "$OUT/family/ft2" --init "$OUT/family/base" \
    -o "$OUT/merged" --json --quiet > "$OUT/merge-report.json"
head -n 30 "$OUT/merge-report.json"
echo
echo "merge demo finished: everything is under $OUT/"
