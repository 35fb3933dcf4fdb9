import ArgumentParser
import Diagnostics
import Foundation
import Merging
import SafeTensors

/// `mergetool angles A B [C …] [--init BASE]`: the geometry of a family of fine-tunings —
/// angles and norms of task vectors and full weights per block (WARP paper, Figure 11).
struct AnglesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "angles",
        abstract: "Angles and norms of task vectors and full weights, per block (WARP Figure 11).",
        discussion: """
            For every group of tensors (default: one transformer block) and every pair of \
            models: Ω, the angle between task vectors δ = θ − θ_init, and ω, the angle \
            between full weights θ, with their norms and norm ratios. One streaming pass over \
            the inputs. Warns about zero task vectors, norms more than 2× apart and pairs \
            whose Ω is far from the family's median (max(15°, 3σ̂), σ̂ = 1.4826·MAD). \
            Integer and boolean tensors are skipped.
            """)

    @Argument(
        help: "Two or more fine-tuned checkpoints (.safetensors, .safetensors.zst or a directory).")
    var models: [String] = []

    @Option(
        name: .customLong("init"),
        help: "The shared initialisation; without it only full weights are compared.")
    var initial: String?

    @Option(
        name: .customLong("by"),
        help: ArgumentHelp(
            "Grouping: layer (per transformer block), tensor or model.",
            valueName: "layer|tensor|model"))
    var by: Granularity = .layer

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Print one CSV row per group and model pair.")
    var csv = false

    @Option(help: "Write the four-panel histogram figure (Figure 11) to this SVG file.")
    var plot: String?

    @Option(
        name: .customLong("plot-by-layer"), help: "Write angle versus block index to this SVG file."
    )
    var plotByLayer: String?

    @Option(help: "Bins per histogram in the figure.")
    var bins: Int = 20

    @OptionGroup var threading: ThreadOptions

    @Option(name: .customLong("chunk-elements"), help: .hidden)
    var chunkElements: Int = MergeEngine.chunkElements

    @Flag(help: "No progress line and no warnings on stderr.")
    var quiet = false

    var granularity: Granularity { by }
    var threads: Int { threading.threadCount }

    func validate() throws {
        if models.count < 2 {
            throw ValidationError("angles need at least 2 models, got \(models.count)")
        }
        if json && csv { throw ValidationError("--json and --csv cannot be used together") }
        if plotByLayer != nil && granularity == .model {
            throw ValidationError("--plot-by-layer needs --by layer or --by tensor")
        }
        try NumericOption.check(bins, "--bins", atLeast: 1, atMost: 1000)
        try NumericOption.check(chunkElements, "--chunk-elements", atLeast: 1)
    }

    func run() throws {
        let line = ProgressLine(label: "angles", unit: "tensors", quiet: quiet)
        var callback: (@Sendable (AngleProgress) -> Void)?
        if line.enabled { callback = { line.update(Progress($0)) } }
        let result: (stdout: String, stderr: [String])
        do {
            defer { line.finish() }
            result = try execute(progress: callback)
        }
        FileHandle.standardOutput.write(Data(result.stdout.utf8))
        if !quiet { for line in result.stderr { stderrLine(line) } }
    }

    /// Runs the analysis and writes the plots.
    /// - Returns: the text for stdout, and the `warning:`/`note:` lines for stderr.
    func execute(
        progress: (@Sendable (AngleProgress) -> Void)? = nil
    ) throws -> (stdout: String, stderr: [String]) {
        let stores = try models.map(Self.open)
        let base = try initial.map(Self.open)
        let analysis = AngleAnalysis(
            granularity: granularity, threads: threads, chunkElements: chunkElements)
        let report = try analysis.run(models: stores, initial: base, progress: progress)
        if let path = plot { try Self.write(report.figure11(bins: bins).render(), to: path) }
        if let path = plotByLayer { try Self.write(report.byLayerFigure().render(), to: path) }

        var stderr: [String] = []
        let text: String
        if json || csv {
            text = json ? report.json() : report.csv()
            stderr += report.allWarnings.map { "warning: \($0)" }
            if !report.skipped.isEmpty {
                stderr.append("note: skipped \(report.skipped.count) non-float or empty tensors")
            }
        } else {
            text = report.table()
            let n = report.allWarnings.count
            if n > 0 {
                stderr.append("warning: \(n) warning\(n == 1 ? "" : "s"), listed in the table")
            }
        }
        return (text, stderr)
    }

    /// Opens a checkpoint path (file, .zst, directory or sharded set).
    static func open(_ path: String) throws -> any TensorStore {
        try Checkpoint.open(path)
    }

    /// Writes a figure through `AtomicFile` (durable, missing parents created, and no
    /// Foundation `.dat.nosync*` temporary left behind by a kill).
    static func write(_ text: String, to path: String) throws {
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw DiagnosticsError.cannotWrite(path: path, reason: "\(error)")
        }
    }
}
