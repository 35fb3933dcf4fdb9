#!/usr/bin/env bash
# Benchmark (not a test): REINFORCE steps per second at batch 16, 12 completion tokens, the
# default model (2 layers, d_model 64, 4 heads, context 32, built-in vocabulary), one thread,
# side by side with the same step in PyTorch (Benchmarks/rl/torch_step.py,
# torch.set_num_threads(1)). Ours: `mergetool train rl --timing` with OPENBLAS_NUM_THREADS=1,
# logging to CSV/JSONL on, one checkpoint at the end (included in the time). Prints wall
# steps/s (the figure on a quiet machine) and steps per CPU-second (the one to trust when other
# jobs share the cores), and the OpenBLAS core.
#
# usage: Benchmarks/rl_step.sh     (env: SCRATCH=.build-dir, STEPS=300, ROUNDS=3, PYTHON=python3)
# Runs ROUNDS rounds alternating ours and PyTorch and reports the best round of each.
# PyTorch from PyPI: python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
STEPS=${STEPS:-300}
ROUNDS=${ROUNDS:-3}
PYTHON=${PYTHON:-python3}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

swift build -c release --scratch-path "$SCRATCH" --product mergetool >/dev/null
BIN="$SCRATCH/release/mergetool"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# The OpenBLAS kernel in use (OPENBLAS_CORETYPE, if set, decides it), read from the library
# our binary links; python's ctypes only loads it.
corename=$(python3 -c 'import ctypes, ctypes.util
lib = ctypes.CDLL(ctypes.util.find_library("openblas") or "libopenblas.so.0")
lib.openblas_get_corename.restype = ctypes.c_char_p
print(lib.openblas_get_corename().decode())' 2>/dev/null || echo unknown)
echo "openblas: core $corename (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})"

export OPENBLAS_NUM_THREADS=1
"$BIN" train sft -o "$OUT/sft" --steps 20 --quiet >/dev/null
# CPU seconds (user + sys) of a command, from bash's `time`; its stdout goes to file $1.
TIMEFORMAT='cpu %U %S'
cpu() {
    local out=$1
    shift
    { time "$@" >"$out" 2>/dev/null; } 2>&1 | awk '/^cpu / { print $2 + $3 }'
}
# Warm-up run of 20 steps (page cache, first-touch), then the measured one. Both write one
# checkpoint at the end, so their CPU-time difference is STEPS − 20 steps and nothing else:
# that gives steps per CPU-second, which a busy machine disturbs far less than wall time.
# --no-stop-at-end: every completion is N tokens, as in torch_step.py. (With the default, rows
# end at <bos>; this policy learns to end after one word by step ~150, and a step then does a
# fraction of the work PyTorch's does.)
rl() {
    "$BIN" train rl --init "$OUT/sft" --checkpoint-every 0 --no-stop-at-end --quiet --timing "$@"
}
# ROUNDS rounds, each ours then PyTorch (alternating, so both see the same load); the best
# round of each side is reported, then the ratios of the bests.
have_torch=0
"$PYTHON" -c 'import torch' 2>/dev/null && have_torch=1
best_a=0 best_ac=0 best_b=0 best_bc=0
for round in $(seq 1 "$ROUNDS"); do
    warm=$(cpu "$OUT/warm.txt" rl -o "$OUT/warm$round" --steps 20)
    full=$(cpu "$OUT/rl.txt" rl -o "$OUT/rl$round" --steps "$STEPS")
    ours=$(grep '^timing:' "$OUT/rl.txt")
    ours_cpu=$(awk -v w="$warm" -v f="$full" -v n="$STEPS" \
        'BEGIN { printf "%.2f", (n - 20) / (f - w) }')
    a=$(echo "$ours" | sed -E 's/timing: ([0-9.]+) steps.*/\1/')
    echo "round $round mergetool: ${ours#timing: }; $ours_cpu steps per CPU-second"
    best_a=$(awk -v x="$a" -v y="$best_a" 'BEGIN { print (x > y ? x : y) }')
    best_ac=$(awk -v x="$ours_cpu" -v y="$best_ac" 'BEGIN { print (x > y ? x : y) }')
    if [ "$have_torch" = 1 ]; then
        theirs=$("$PYTHON" Benchmarks/rl/torch_step.py --steps "$STEPS" --warmup 20 \
            2>/dev/null | tail -1)
        echo "round $round pytorch:   $theirs"
        b=$(echo "$theirs" | sed -E 's/.*: ([0-9.]+) steps\/s.*/\1/')
        b_cpu=$(echo "$theirs" | sed -E 's/.*; ([0-9.]+) steps per CPU-second.*/\1/')
        best_b=$(awk -v x="$b" -v y="$best_b" 'BEGIN { print (x > y ? x : y) }')
        best_bc=$(awk -v x="$b_cpu" -v y="$best_bc" 'BEGIN { print (x > y ? x : y) }')
    fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "best of $ROUNDS: mergetool $best_a steps/s, $best_ac steps per CPU-second"
if [ "$have_torch" = 1 ]; then
    echo "best of $ROUNDS: pytorch   $best_b steps/s, $best_bc steps per CPU-second"
    awk -v a="$best_a" -v b="$best_b" -v ac="$best_ac" -v bc="$best_bc" 'BEGIN {
        printf "ratio: mergetool / pytorch = %.2fx steps/s (wall), %.2fx steps per CPU-second\n",
            a / b, ac / bc }'
else
    echo "pytorch: not installed for $PYTHON (pip install torch), skipped"
fi
