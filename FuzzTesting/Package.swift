// swift-tools-version:6.0
// libFuzzer harness for the SafeTensors reader (separate package so the main build never links
// a target without `main`). Build and run:
//   swift build -c release --sanitize=fuzzer --sanitize=address
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
