// swift-tools-version:6.0
// libFuzzer harness for the SafeTensors reader (separate package so the main build never links
// a target without `main`). Preferred: `FuzzTesting/build.sh` (swiftc with libFuzzer's
// inline-8bit-counters coverage; see the script), then
//   mkdir -p corpus && cp seeds/* corpus/ && .build/fuzz-safetensors -max_total_time=600 corpus
// This package also builds, but SwiftPM instruments Swift with trace-pc-guard, which current
// libFuzzer refuses at startup unless coverage is overridden for every Swift target:
//   swift build -c release --sanitize=fuzzer --sanitize=address \
//       -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
//   ./.build/release/FuzzSafeTensors -max_total_time=600 corpus
import PackageDescription

let package = Package(
    name: "FuzzTesting",
    dependencies: [.package(name: "mergetool", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzSafeTensors",
            dependencies: [.product(name: "SafeTensors", package: "mergetool")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
