#!/usr/bin/env bash
# Recipe benchmark against mergekit (not a test). Builds a Llama-shaped bf16 family (base and
# two fine-tunes; HIDDEN/INTERMEDIATE/VOCAB widths, LAYERS blocks), then for each of the 14
# mergekit methods runs the same YAML recipe with `mergetool run` (release build) and with
# mergekit's `mergekit-yaml` (CPU), reporting wall time, peak RSS (/usr/bin/time -v) and, for
# the deterministic methods, the fraction of output elements whose bf16 value differs from a
# float64 reference rounded once (Benchmarks/recipes/reference.py). The random-drop methods
# (dare_*, della*) draw different masks in the two tools (different generators), so they have
# no reference column. mergekit's results are cached per method in WORK_DIR (mk-METHOD and
# mk-METHOD.stat): delete them to re-measure mergekit.
#
#   usage: Benchmarks/recipes.sh [WORK_DIR]   (default bench-out/recipes)
#   env:   SCRATCH=.build, LAYERS=2, VENV=/tmp/venv-mergekit (created with `pip install
#          mergekit` when missing; that pulls torch), HIDDEN/INTERMEDIATE/VOCAB for other sizes,
#          METHODS="ties karcher" for a subset, THREADS (mergetool's --threads, default 2),
#          OLD_BIN=path to another mergetool binary: also measured ("before" rows), with a
#          column saying whether its output bytes equal this build's
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-bench-out/recipes}
SCRATCH=${SCRATCH:-.build}
LAYERS=${LAYERS:-2}
HIDDEN=${HIDDEN:-2048}
INTERMEDIATE=${INTERMEDIATE:-5632}
THREADS=${THREADS:-2}
OLD_BIN=${OLD_BIN:-}
METHODS=${METHODS:-"linear task_arithmetic ties dare_ties dare_linear breadcrumbs breadcrumbs_ties
    della della_linear model_stock slerp nuslerp multislerp karcher"}
VOCAB=${VOCAB:-32000}
VENV=${VENV:-/tmp/venv-mergekit}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

swift build -c release --product mergetool --scratch-path "$SCRATCH" >/dev/null
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
    local extra="" base="$FAM/base" models="ft1 ft2" global=""
    case "$1" in
        linear|task_arithmetic|nuslerp|multislerp) extra="{weight: W}" ;;
        ties|dare_ties|dare_linear) extra="{weight: W, density: 0.5}" ;;
        breadcrumbs|breadcrumbs_ties) extra="{weight: W, density: 0.5, gamma: 0.01}" ;;
        della|della_linear) extra="{weight: W, density: 0.5, epsilon: 0.1, lambda: 1}" ;;
        slerp) base="$FAM/ft1"; global="parameters: {t: 0.5}" ;;
    esac
    case "$1" in linear|karcher) base="" ;; esac
    {
        echo "models:"
        local w=1
        for m in $models; do
            echo "  - model: $FAM/$m"
            [ -n "$extra" ] && echo "    parameters: ${extra/W/$w}"
            w=0.5
        done
        [ -n "$base" ] && echo "base_model: $base"
        echo "merge_method: $1"
        [ -n "$global" ] && echo "$global"
        case "$1" in dare_*|della*) echo "seed: 1" ;; esac
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
LARGEST=$("$PY" -c 'import json,struct,sys; f=open(sys.argv[1],"rb"); n=struct.unpack("<Q",f.read(8))[0]
h=json.loads(f.read(n)); h.pop("__metadata__",None); s=max((v["shape"] for v in h.values()), key=lambda s: s[0]*(s[1] if len(s)>1 else 1)); print("x".join(map(str,s)))' "$FAM"/base/*.safetensors)
echo
echo "recipe benchmark: base + 2 models of $IN_GB GB (bf16, $LAYERS layers, largest tensor" \
    "$LARGEST), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), --threads $THREADS," \
    "mergekit $("$VENV/bin/pip" show mergekit | awk '/^Version/ {print $2}')"
echo
echo "| method | tool | wall s | peak RSS MiB | elements ≠ float64 reference (bf16) |"
echo "|---|---|---|---|---|"
for method in $METHODS; do
    recipe "$method"
    rm -rf "$WORK/mt-$method"
    measure "$BIN" run "$WORK/$method.yaml" -o "$WORK/mt-$method" -q --threads "$THREADS"
    MT_S=$SECS; MT_RSS=$RSS_MB
    if [ -n "$OLD_BIN" ]; then
        rm -rf "$WORK/old-$method"
        measure "$OLD_BIN" run "$WORK/$method.yaml" -o "$WORK/old-$method" -q --threads "$THREADS"
        OLD_S=$SECS; OLD_RSS=$RSS_MB
        SAME=yes
        for f in "$WORK/mt-$method"/*.safetensors; do
            cmp -s "$f" "$WORK/old-$method/$(basename "$f")" || SAME=no
        done
    fi
    if [ ! -f "$WORK/mk-$method.stat" ]; then
        rm -rf "$WORK/mk-$method"
        measure "$VENV/bin/mergekit-yaml" "$WORK/$method.yaml" "$WORK/mk-$method" \
            --no-copy-tokenizer
        echo "$SECS $RSS_MB" >"$WORK/mk-$method.stat"
    fi
    read -r MK_S MK_RSS <"$WORK/mk-$method.stat"
    MT_D="– (random mask, differs by design)"; MK_D=$MT_D
    case "$method" in
        dare_*|della*) ;;
        *)
            REF=$("$PY" Benchmarks/recipes/reference.py "$method" "$FAM" "$WORK/mt-$method" \
                "$WORK/mk-$method" --density 0.5 --weights 1,0.5)
            MT_D=$(echo "$REF" | awk 'NR == 1 {print $2 " (" $3 ")"}')
            MK_D=$(echo "$REF" | awk 'NR == 2 {print $2 " (" $3 ")"}')
            ;;
    esac
    printf '| %s | mergetool run | %.2f | %s | %s |\n' "$method" "$MT_S" "$MT_RSS" "$MT_D"
    if [ -n "$OLD_BIN" ]; then
        printf '| %s | mergetool before | %.2f | %s | bytes = this build: %s |\n' \
            "$method" "$OLD_S" "$OLD_RSS" "$SAME"
    fi
    printf '| %s | mergekit-yaml | %.2f | %s | %s |\n' "$method" "$MK_S" "$MK_RSS" "$MK_D"
done
