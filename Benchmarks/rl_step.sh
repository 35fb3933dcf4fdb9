#!/usr/bin/env bash
# Benchmark (not a test): REINFORCE steps per second at batch 16, 12 completion tokens, the
# default model (2 layers, d_model 64, 4 heads, context 32, built-in vocabulary), one thread,
# side by side with the same step in PyTorch (Benchmarks/rl/torch_step.py,
# torch.set_num_threads(1)). Ours: `mergetool train rl --timing` with OPENBLAS_NUM_THREADS=1,
# logging to CSV/JSONL on, one checkpoint at the end (included in the time).
#
# usage: Benchmarks/rl_step.sh     (env: SCRATCH=.build-dir, STEPS=300, PYTHON=python3)
# PyTorch from PyPI: python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
STEPS=${STEPS:-300}
PYTHON=${PYTHON:-python3}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

swift build -c release --scratch-path "$SCRATCH" --product mergetool >/dev/null
BIN="$SCRATCH/release/mergetool"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

export OPENBLAS_NUM_THREADS=1
"$BIN" train sft -o "$OUT/sft" --steps 20 --quiet >/dev/null
# Warm-up run (page cache, first-touch), then the measured one.
"$BIN" train rl --init "$OUT/sft" -o "$OUT/warm" --steps 20 --quiet >/dev/null
ours=$("$BIN" train rl --init "$OUT/sft" -o "$OUT/rl" --steps "$STEPS" --checkpoint-every 0 \
    --quiet --timing | grep '^timing:')
echo "mergetool: ${ours#timing: }"

if "$PYTHON" -c 'import torch' 2>/dev/null; then
    theirs=$("$PYTHON" Benchmarks/rl/torch_step.py --steps "$STEPS" --warmup 20 | tail -1)
    echo "pytorch:   $theirs"
    a=$(echo "$ours" | sed -E 's/timing: ([0-9.]+) steps.*/\1/')
    b=$(echo "$theirs" | sed -E 's/.*: ([0-9.]+) steps.*/\1/')
    awk -v a="$a" -v b="$b" 'BEGIN { printf "ratio: mergetool / pytorch = %.2fx steps/s\n", a / b }'
else
    echo "pytorch: not installed for $PYTHON (pip install torch), skipped"
fi
