import ArgumentParser
import Foundation

/// `--threads N`: worker threads of the merge and angle loops, one range for every command
/// (1…64; results never depend on it).
struct ThreadOptions: ParsableArguments {
    /// The accepted values.
    static let range = 1...64

    @Option(
        help: ArgumentHelp(
            "Worker threads, \(range.lowerBound)…\(range.upperBound) (default: the number of "
                + "cores, at most 8). Results do not depend on it.", valueName: "n"),
        transform: ThreadOptions.parse)
    var threads: Int?

    /// `--threads`, else the active core count (at most 8).
    var threadCount: Int {
        threads ?? min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Parses a `--threads` value: an integer in `range`, else a `ValidationError` naming it.
    static func parse(_ text: String) throws -> Int {
        guard let n = Int(text) else {
            throw ValidationError("--threads must be an integer, got '\(text)'")
        }
        try NumericOption.check(n, "--threads", atLeast: range.lowerBound, atMost: range.upperBound)
        return n
    }
}
