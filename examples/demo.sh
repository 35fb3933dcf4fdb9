#!/usr/bin/env bash
# `make demo`: the main job on built-in defaults, end to end, everything under ./demo-out.
#   1. merging: a small Llama-shaped bf16 family (base + two fine-tunes, sharded), its inspect,
#      a conversion, SLERP of the task vectors fused with a LITI front, an extrapolation;
#   2. diagnostics: the angles report and the paper's Figure 11 for that family;
#   3. training: SFT of the built-in tiny GPT, then one WARP iteration on the defaults (M = 4
#      EMA-anchored REINFORCE runs, SLERP, LITI front evaluated) with its KL-reward table and
#      figures;
#   4. the README's copy of that table compared with this run's (scripts/readme_study.py).
# MERGETOOL=path overrides the binary; DEMO_OUT=dir the output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MERGETOOL:-.build/release/mergetool}
OUT=${DEMO_OUT:-demo-out}
export MERGETOOL="$BIN"
rm -rf "$OUT"
mkdir -p "$OUT"
step() { printf '\n=== %s ===\n' "$*"; }

if ! python3 -c "import numpy" 2>/dev/null; then
    echo "installing numpy (the family generator needs it)"
    python3 -m pip install --quiet numpy
fi

step "merging (examples/demo-merge.sh)"
examples/demo-merge.sh "$OUT/merge"

step "inspect the base checkpoint; convert a fine-tune to f32, sharded"
"$BIN" inspect "$OUT/merge/family/base" | tail -n 8
"$BIN" convert "$OUT/merge/family/ft1" -o "$OUT/ft1-f32" --dtype f32 --shard-size 20MB
ls "$OUT/ft1-f32"

step "angles of the two task vectors (Figure 11 in $OUT/angles.svg)"
"$BIN" angles "$OUT/merge/family/ft1" "$OUT/merge/family/ft2" --init "$OUT/merge/family/base" \
    --plot "$OUT/angles.svg" --plot-by-layer "$OUT/angles-by-layer.svg" | tail -n 25

step "SFT + one WARP iteration of the built-in tiny GPT (seconds to a minute on 2 cores)"
"$BIN" warp --run-dir "$OUT/warp"

step "README check: its demo table (WARP section) against this run's $OUT/warp/front.txt"
# Same binary and machine kind: the same digits. Another CPU's BLAS kernel may round otherwise.
python3 scripts/readme_study.py check README.md "$OUT" warp-front ||
    echo "note: README.md's demo table differs from this run (see the diff above)"

printf '\ndemo finished: everything is under %s/\n' "$OUT"
