import ArgumentParser
import Diagnostics
import Foundation
import Merging
import SafeTensors

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        name: .customLong("by"), help: "Grouping: layer (per transformer block), tensor or model.")
    var by: String = "layer"

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

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = 2

    @Option(name: .customLong("chunk-elements"), help: .hidden)
    var chunkElements: Int = MergeEngine.chunkElements

    @Flag(help: "No progress line and no warnings on stderr.")
    var quiet = false

    var granularity: Granularity { Granularity(rawValue: by.lowercased()) ?? .layer }

    func validate() throws {
        if models.count < 2 {
            throw ValidationError("angles need at least 2 models, got \(models.count)")
        }
        if json && csv { throw ValidationError("--json and --csv cannot be used together") }
        if Granularity(rawValue: by.lowercased()) == nil {
            throw ValidationError("--by must be layer, tensor or model, not '\(by)'")
        }
        if plotByLayer != nil && granularity == .model {
            throw ValidationError("--plot-by-layer needs --by layer or --by tensor")
        }
        if bins < 1 || bins > 1000 {
            throw ValidationError("--bins must be in 1...1000, got \(bins)")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if chunkElements < 1 { throw ValidationError("--chunk-elements must be at least 1") }
    }

    func run() throws {
        let line: AnglesProgressLine? = !quiet && isatty(2) != 0 ? AnglesProgressLine() : nil
        var callback: (@Sendable (AngleProgress) -> Void)?
        if let line { callback = { line.update($0) } }
        let result: (stdout: String, stderr: [String])
        do {
            defer { line?.finish() }
            result = try execute(progress: callback)
        }
        FileHandle.standardOutput.write(Data(result.stdout.utf8))
        if !quiet {
            for line in result.stderr { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
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

/// A single progress line on stderr, redrawn at most ten times a second.
final class AnglesProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var last = 0.0
    private let start = Date()

    func update(_ p: AngleProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date().timeIntervalSince(start)
        guard now - last >= 0.1 || p.piecesDone == p.piecesTotal else { return }
        last = now
        let gib = 1024.0 * 1024 * 1024
        let pct = p.bytesTotal > 0 ? 100 * Double(p.bytesDone) / Double(p.bytesTotal) : 100
        let line = String(
            format: "\rangles: %3.0f%%  %.2f of %.2f GiB  %.1fs",
            pct, Double(p.bytesDone) / gib, Double(p.bytesTotal) / gib, now)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
