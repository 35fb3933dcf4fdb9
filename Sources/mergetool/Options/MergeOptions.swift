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

    @Flag(
        name: .customLong("allow-non-finite"),
        help: "Write outputs even when the merge of finite inputs overflows to NaN/Inf.")
    var allowNonFinite = false

    @Flag(help: "Merge models whose config.json name different architectures (refused otherwise).")
    var allowMixedArchitectures = false

    @Flag(help: "Warn instead of refusing when tokenizers differ (vocabulary size, added tokens).")
    var allowTokenizerMismatch = false

    @OptionGroup var threading: ThreadOptions

    /// `--threads` (validated by `ThreadOptions`).
    var threads: Int? { threading.threads }

    /// Threads to use: `--threads`, else the active core count (at most 8).
    var threadCount: Int { threading.threadCount }
}
