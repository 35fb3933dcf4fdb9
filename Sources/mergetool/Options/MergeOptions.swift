import ArgumentParser
import Foundation
import Merging

/// Options every merge command shares: dry run, output format, progress, η policy, threads.
struct MergeOptions: ParsableArguments {
    @Flag(
        name: .customLong("dry-run"), help: "Check the inputs and print the groups; write nothing.")
    var dryRun = false

    @Flag(help: "Print a JSON summary (per-group angles, coefficients, fallbacks) on stdout.")
    var json = false

    @Flag(
        name: .shortAndLong,
        help: "No progress line and no summary (--json still prints its summary).")
    var quiet = false

    @Flag(
        name: .customLong("allow-negative-eta"),
        help: "Allow η < 0 (moves past the init, away from the merge), e.g. --eta -0.5.")
    var allowNegativeEta = false

    @Flag(help: "Merge models whose config.json name different architectures (refused otherwise).")
    var allowMixedArchitectures = false

    @Flag(help: "Warn instead of refusing when tokenizers differ (vocabulary size, added tokens).")
    var allowTokenizerMismatch = false

    @Option(help: "Worker threads (default: the number of cores). Results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let t = threads, !(1...64).contains(t) {
            throw ValidationError("--threads must be 1…64")
        }
    }

    /// Threads to use: `--threads`, else the active core count (at most 8).
    var threadCount: Int {
        threads ?? min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))
    }
}
