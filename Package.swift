// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mergetool",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SafeTensors", targets: ["SafeTensors"]),
        .library(name: "Merging", targets: ["Merging"]),
        .library(name: "Diagnostics", targets: ["Diagnostics"]),
        .library(name: "Reinforce", targets: ["Reinforce"]),
        .executable(name: "mergetool", targets: ["mergetool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev", "pkg-config"]), .brew(["zstd"])]),
        // Each module owns its C: the format's shim (f16 conversion, copy_file_range) and the
        // merge/Gram kernels, so SafeTensors cannot see merge math.
        .target(name: "CSafeTensors"),
        .target(name: "CMergeKernels"),
        .target(
            name: "SafeTensors",
            dependencies: [
                "CZstd", "CSafeTensors", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "Merging",
            dependencies: [
                "SafeTensors", "CMergeKernels", .product(name: "Yams", package: "Yams"),
            ]),
        .target(name: "Diagnostics", dependencies: ["SafeTensors", "Merging"]),
        .target(name: "Reinforce", dependencies: ["SafeTensors", "Merging", "Diagnostics", "CBLAS"]),
        .executableTarget(
            name: "mergetool",
            dependencies: [
                "SafeTensors", "Merging", "Diagnostics", "Reinforce",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Fixtures every test target shares (not a product): the seeded generator, scratch
        // directories, byte images, checkpoint writers, the built binary and its runner.
        .target(name: "TestSupport", dependencies: ["SafeTensors"], path: "Tests/TestSupport"),
        .testTarget(
            name: "SafeTensorsTests", dependencies: ["SafeTensors", "CZstd", "TestSupport"]),
        .testTarget(
            name: "MergingTests",
            dependencies: ["Merging", "SafeTensors", "CMergeKernels", "TestSupport"]),
        .testTarget(
            name: "DiagnosticsTests",
            dependencies: ["Diagnostics", "Merging", "SafeTensors", "TestSupport"]),
        .testTarget(
            name: "ReinforceTests",
            dependencies: ["Reinforce", "SafeTensors", "CBLAS", "TestSupport"]),
        .testTarget(name: "mergetoolTests", dependencies: ["mergetool", "TestSupport"]),
    ]
)
