import Foundation

/// Command-line tools some tests need; `make deps` installs them (APT_TEST_PACKAGES).
public enum Tools {
    /// The first executable `name` on `PATH`, or nil.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The `zstd` CLI, for round trips against an independent compressor.
    public static let zstd: String? = find("zstd")
}

/// Whether the `zstd` CLI is installed: `.enabled(if: hasZstdCLI, "zstd CLI not installed")`.
public let hasZstdCLI = Tools.zstd != nil
