#!/usr/bin/env bash
# Recipe benchmark against mergekit (not a test). Builds a Llama-shaped bf16 family (base and
# two fine-tunes; TinyLlama-1.1B widths, LAYERS blocks), then for ties, dare_ties and
# model_stock runs the same YAML recipe with `mergetool run` (release build) and with
# mergekit's `mergekit-yaml` (CPU), reporting wall time, peak RSS (/usr/bin/time -v) and, for
# the deterministic methods, the fraction of output elements whose bf16 value differs from a
# float64 reference rounded once (Benchmarks/recipes/reference.py). DARE's random drops differ
# by design between the tools (different generators), so it has no reference column.
#
#   usage: Benchmarks/recipes.sh [WORK_DIR]   (default bench-out/recipes)
#   env:   SCRATCH=.build, LAYERS=2, VENV=/tmp/venv-mergekit (created with `pip install
#          mergekit` when missing; that pulls torch), HIDDEN/INTERMEDIATE/VOCAB for smaller runs
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-bench-out/recipes}
SCRATCH=${SCRATCH:-.build}
LAYERS=${LAYERS:-2}
HIDDEN=${HIDDEN:-2048}
INTERMEDIATE=${INTERMEDIATE:-5632}
VOCAB=${VOCAB:-32000}
VENV=${VENV:-/tmp/venv-mergekit}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

swift build -c release --scratch-path "$SCRATCH" >/dev/null
BIN="$PWD/$SCRATCH/release/mergetool"
if [ ! -x "$VENV/bin/mergekit-yaml" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet mergekit
fi
PY="$VENV/bin/python"
"$PY" -c 'import numpy' 2>/dev/null || "$VENV/bin/pip" install --quiet numpy

FAM="$WORK/family-$LAYERS-$HIDDEN"
if [ ! -f "$FAM/ft2/config.json" ]; then
    echo "generating the model family in $FAM ..." >&2
    "$PY" Benchmarks/merge/make_family.py "$FAM" --layers "$LAYERS" --hidden "$HIDDEN" \
        --intermediate "$INTERMEDIATE" --vocab "$VOCAB" --shards 1
fi

recipe() {  # METHOD → a recipe both tools read (float32 computation in mergekit, bf16 out)
    local extra=""
    case "$1" in
        ties|dare_ties) extra="    parameters: {weight: W, density: 0.5}" ;;
        model_stock) extra="" ;;
    esac
    {
        echo "models:"
        echo "  - model: $FAM/ft1"
        [ -n "$extra" ] && echo "${extra/W/1}"
        echo "  - model: $FAM/ft2"
        [ -n "$extra" ] && echo "${extra/W/0.5}"
        echo "base_model: $FAM/base"
        echo "merge_method: $1"
        [ "$1" = dare_ties ] && echo "seed: 1"
        echo "dtype: float32"
        echo "out_dtype: bfloat16"
    } >"$WORK/$1.yaml"
}

now() { date +%s.%N; }
measure() {  # runs "$@" under /usr/bin/time -v; sets SECS and RSS_MB
    local log="$WORK/time.log" t0 t1
    t0=$(now)
    /usr/bin/time -v "$@" >"$WORK/stdout.log" 2>"$log" || { cat "$log" >&2; exit 1; }
    t1=$(now)
    SECS=$(echo "$t1 - $t0" | bc -l)
    RSS_MB=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
}

cat "$FAM"/*/*.safetensors >/dev/null   # warm the page cache for both tools
IN_GB=$(cat "$FAM"/*/*.safetensors | wc -c | awk '{printf "%.2f", $1 / 3e9}')
echo
echo "recipe benchmark: base + 2 models of $IN_GB GB (bf16, $LAYERS layers), $(nproc) cores," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), mergekit $("$VENV/bin/pip" show mergekit | awk '/^Version/ {print $2}')"
echo
echo "| method | tool | wall s | peak RSS MiB | elements ≠ float64 reference (bf16) |"
echo "|---|---|---|---|---|"
for method in ties dare_ties model_stock; do
    recipe "$method"
    rm -rf "$WORK/mt-$method" "$WORK/mk-$method"
    measure "$BIN" run "$WORK/$method.yaml" -o "$WORK/mt-$method" -q
    MT_S=$SECS; MT_RSS=$RSS_MB
    measure "$VENV/bin/mergekit-yaml" "$WORK/$method.yaml" "$WORK/mk-$method" --no-copy-tokenizer
    MK_S=$SECS; MK_RSS=$RSS_MB
    MT_D="–"; MK_D="–"
    if [ "$method" != dare_ties ]; then
        REF=$("$PY" Benchmarks/recipes/reference.py "$method" "$FAM" "$WORK/mt-$method" \
            "$WORK/mk-$method" --density 0.5 --weights 1,0.5)
        MT_D=$(echo "$REF" | awk 'NR == 1 {print $2 " (" $3 ")"}')
        MK_D=$(echo "$REF" | awk 'NR == 2 {print $2 " (" $3 ")"}')
    fi
    printf '| %s | mergetool run | %.2f | %s | %s |\n' "$method" "$MT_S" "$MT_RSS" "$MT_D"
    printf '| %s | mergekit-yaml | %.2f | %s | %s |\n' "$method" "$MK_S" "$MK_RSS" "$MK_D"
done
