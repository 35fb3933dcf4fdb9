#!/usr/bin/env bash
# `make demo`: the main job on built-in defaults, end to end, in ./demo-out.
#   1. a small Hugging Face style model family (base + two fine-tunes), sharded, bf16;
#   2. inspect and convert it;
#   3. SLERP of the task vectors fused with a LITI front; the angles report and Figure 11 plot;
#   4. SFT of the built-in tiny GPT, then one WARP iteration (M = 2 EMA-anchored REINFORCE
#      runs, SLERP, LITI front evaluated) with its KL-reward table and figure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MERGETOOL:-.build/release/mergetool}
OUT=${DEMO_OUT:-demo-out}
rm -rf "$OUT"
mkdir -p "$OUT"
step() { printf '\n== %s ==\n' "$*"; }

step "1. a small model family ($OUT/family)"
"$BIN" demo-family "$OUT/family"

step "2. inspect the base checkpoint, convert a fine-tune to f32"
"$BIN" inspect "$OUT/family/base"
"$BIN" convert "$OUT/family/ft1" -o "$OUT/ft1-f32" --dtype f32
"$BIN" inspect "$OUT/ft1-f32" --json | head -c 400; echo

step "3. SLERP of the two fine-tunes' task vectors, with a LITI front"
"$BIN" slerp "$OUT/family/ft1" "$OUT/family/ft2" --init "$OUT/family/base" \
    --eta 0,0.3,0.5,1 -o "$OUT/front"
ls "$OUT/front"
"$BIN" angles "$OUT/family/ft1" "$OUT/family/ft2" --init "$OUT/family/base" \
    --plot "$OUT/angles.svg"

step "4. SFT + one WARP iteration of the built-in tiny GPT"
"$BIN" warp --run-dir "$OUT/warp" --iterations 1 --runs 2
echo
echo "demo finished: everything is under $OUT/"
