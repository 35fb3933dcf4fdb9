#!/usr/bin/env bash
# A WARP loop whose RL runs are trained by TRL (GRPO with an EMA reference model), merged and
# evaluated by mergetool. Not run in CI (needs PyPI's trl and torch; CPU is enough).
#
#   python3 -m venv /tmp/trl-venv && /tmp/trl-venv/bin/pip install trl
#   PYTHON=/tmp/trl-venv/bin/python examples/warp-trl.sh [OUT]
#
# 1. SFT of the built-in tiny GPT (mergetool), copied with a word-level tokenizer.json;
# 2. `mergetool warp --trainer 'python examples/warp_trl_run.py …'`: per iteration M TRL runs
#    from θ_init, SLERP of their task vectors, the LITI front, `mergetool eval` on each point.
# Add `--executor slurm --partition … --gres gpu:1` to run the same loop as Slurm jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${MERGETOOL:-.build/release/mergetool}")
PY=${PYTHON:-python3}
OUT=${1:-trl-out}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

if [ ! -e "$OUT/sft-hf/tokenizer.json" ]; then
    "$BIN" train sft -o "$OUT/sft" --steps "${SFT_STEPS:-600}" --quiet
    rm -rf "$OUT/sft-hf"
    cp -r "$OUT/sft/policy" "$OUT/sft-hf"
    "$PY" examples/warp_trl_run.py --make-tokenizer "$OUT/sft-hf"
fi

TRAINER="$PY $(realpath examples/warp_trl_run.py) --init {init} --out {out} --workdir {workdir}/trl"
TRAINER+=" --seed {seed} --steps {steps} --beta 0.1 --mu 0.01"
EVALUATOR="OPENBLAS_NUM_THREADS=1 '$BIN' eval {checkpoint} --sft {sft} --json --prompts 128"
EVALUATOR+=" --seed {eval_seed}"

time "$BIN" warp --run-dir "$OUT/warp" --sft "$OUT/sft-hf" \
    --iterations "${ITERATIONS:-2}" --runs 2 --steps "${STEPS:-30}" --front 0,0.3,0.5,1 \
    --trainer "$TRAINER" --evaluator "$EVALUATOR" --parallel 1
"$BIN" warp status "$OUT/warp"
