#!/usr/bin/env bash
# Every WARP study the README quotes, in one command (release build; hours on 2 cores). Each
# setting is `mergetool warp study` with the flags listed below, SEEDS seeds, into OUT/NAME
# (study.md, study.json, figures/); OUT/NAME/command.txt holds the flags, OUT/NAME/wall.txt
# one line per invocation: wall time and the load average before and after. Studies resume
# (a rerun skips finished seeds), so an interrupted run is continued by running it again.
# At the end the README's study blocks are compared with the outputs
# (`scripts/readme_study.py check`; `scripts/readme_study.py update README.md OUT` rewrites
# them).
#
# usage: Benchmarks/studies.sh [OUT]     (default OUT: studies-out)
#   env: SEEDS=8, PARALLEL=2 (seeds at once), ONLY="NAME …" (a subset), BIN=mergetool binary,
#        SCRATCH=.build-rel (release scratch path when BIN is not given)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-studies-out}
SEEDS=${SEEDS:-8}
PARALLEL=${PARALLEL:-2}
SCRATCH=${SCRATCH:-.build-rel}
if [ -z "${BIN:-}" ]; then
    swift build -c release --scratch-path "$SCRATCH" --product mergetool >/dev/null
    BIN="$SCRATCH/release/mergetool"
fi
export OPENBLAS_NUM_THREADS=1

# NAME [reuse=SRC:K] FLAGS… — the settings the README quotes (keep in step with its blocks).
# reuse=SRC:K copies every seed's RL runs of iterations 1…K from OUT/SRC before the study
# starts: those runs have the same settings and seeds (hashed from seed, iteration, run), so
# the loop picks them up finished instead of training them again — the same policies,
# bit for bit, in a third of the time. It must list SRC earlier.
SETTINGS=$(
    cat <<'LIST'
defaults
runs-2 --runs 2
lr-1e-3 --runs 2 --lr 1e-3
iter-3 reuse=runs-2:1 --runs 2 --iterations 3 --baseline none
iter-2 reuse=iter-3:2 --runs 2 --iterations 2 --baseline none
iter-3-eta-1 reuse=runs-2:1 --runs 2 --iterations 3 --baseline none --eta 1
iter-3-beta-growth-0.5 reuse=runs-2:1 --runs 2 --iterations 3 --baseline none --beta-growth 0.5
iter-3-lr-1e-3 reuse=lr-1e-3:1 --runs 2 --iterations 3 --baseline none --lr 1e-3
iter-3-steps-400 --runs 2 --iterations 3 --baseline none --steps 400
iter-3-runs-4 reuse=defaults:1 --iterations 3 --baseline none
LIST
)

# Copies OUT/$1's RL run directories of iterations 1…$2 into OUT/$3 where missing.
reuse_runs() {
    local src=$OUT/$1 k=$2 dst=$OUT/$3 seed i run
    for seed in "$src"/seed-*; do
        for i in $(seq 1 "$k"); do
            for run in "$seed/iteration-$i"/run-*; do
                [ -d "$run" ] || continue
                local to="$dst/$(basename "$seed")/iteration-$i"
                mkdir -p "$to"
                [ -e "$to/$(basename "$run")" ] || cp -r "$run" "$to/"
            done
        done
    done
}

mkdir -p "$OUT"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$SEEDS seeds, $PARALLEL at once"
while read -r name flags; do
    [ -n "$name" ] || continue
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then continue; fi
    dir="$OUT/$name"
    mkdir -p "$dir"
    # One SFT serves every study (same SFT settings): hard-link the first one's.
    if [ ! -e "$dir/sft" ] && [ -d "$OUT/defaults/sft/policy" ]; then
        cp -al "$OUT/defaults/sft" "$dir/sft"
    fi
    if [[ $flags == reuse=* ]]; then
        from=${flags%% *}
        flags=${flags#"$from"}
        flags=${flags# }
        from=${from#reuse=}
        reuse_runs "${from%%:*}" "${from##*:}" "$name"
    fi
    echo "$flags" >"$dir/command.txt"
    before=$(cut -d' ' -f1-3 /proc/loadavg)
    start=$(date +%s)
    # shellcheck disable=SC2086 # flags are words
    "$BIN" warp study --study-dir "$dir" --seeds "$SEEDS" --parallel "$PARALLEL" --quiet \
        $flags >"$dir/stdout.md" </dev/null
    after=$(cut -d' ' -f1-3 /proc/loadavg)
    # Appended: a resumed study's wall time is only the part this run computed.
    elapsed=$(($(date +%s) - start))
    echo "$name: $elapsed s wall, load $before before, $after after ($(date -u +%FT%TZ))" |
        tee -a "$dir/wall.txt"
done <<<"$SETTINGS"

echo
kinds="study-tables study-observations study-summary"
# shellcheck disable=SC2086 # kinds are words
python3 scripts/readme_study.py check README.md "$OUT" $kinds ||
    echo "README differs: scripts/readme_study.py update README.md $OUT $kinds"
