#!/usr/bin/env bash
# Builds the libFuzzer harness straight with swiftc/clang (about a minute), instrumenting the
# SafeTensors sources with libFuzzer's inline 8-bit counters + PC table + comparison tracing.
# The module is built with -enable-testing so the harness can reach internal parsers
# (ShardIndex, the pickle sniff).
# (`swift build -c release --sanitize=fuzzer --sanitize=address` on Package.swift also links,
# but SwiftPM's default Swift coverage is trace-pc-guard, which current libFuzzer rejects, and
# it rebuilds swift-crypto for seven minutes.) Checkpoint+Layout.swift (SHA-256 via Crypto) is
# left out: the harness does not hash.
#
#   FuzzTesting/build.sh && FuzzTesting/.build/fuzz-safetensors -max_total_time=600 CORPUS_DIR
set -euo pipefail
cd "$(dirname "$0")"
ROOT=..
OUT=.build/direct
mkdir -p "$OUT"
COV=edge,inline-8bit-counters,pc-table,trace-cmp
cat > "$OUT/module.modulemap" <<MAP
module CSafeTensors {
    header "$(cd "$ROOT/Sources/CSafeTensors/include" && pwd)/CSafeTensors.h"
    export *
}
MAP
clang -O2 -g -fsanitize=fuzzer-no-link,address -I "$ROOT/Sources/CSafeTensors/include" \
    -c "$ROOT/Sources/CSafeTensors/csafetensors.c" -o "$OUT/csafetensors.o"
SOURCES=$(ls "$ROOT"/Sources/SafeTensors/*.swift | grep -v 'Checkpoint+Layout.swift')
SAN=(-sanitize=fuzzer,address -sanitize-coverage=$COV)
(cd "$OUT" && swiftc -O -wmo -enable-testing -parse-as-library "${SAN[@]}" \
    -module-name SafeTensors \
    -emit-module -emit-module-path SafeTensors.swiftmodule -emit-object \
    -I "../../$ROOT/Sources/CZstd" -I . $(for f in $SOURCES; do echo "../../$f"; done) \
    -o SafeTensors.o)
swiftc -O -parse-as-library "${SAN[@]}" -I "$OUT" -I "$ROOT/Sources/CZstd" \
    Sources/FuzzSafeTensors/FuzzSafeTensors.swift "$OUT/SafeTensors.o" "$OUT/csafetensors.o" \
    -lzstd -o .build/fuzz-safetensors 2>&1 | grep -v "Cannot export local symbol" || true
test -x .build/fuzz-safetensors && echo "built FuzzTesting/.build/fuzz-safetensors"
