import ArgumentParser
import Foundation
import Merging
import SafeTensors

/// What the merge subcommands share once their flags are parsed: open the inputs, lay out the
/// merge, create one output checkpoint per η, run the engine with a progress line, report.
struct MergeCommandRun {
    var name: String
    var plan: MergePlan
    var modelPaths: [String]
    var initPath: String?
    var outputPath: String
    /// Whether `--eta` was given (it labels outputs and the recipe).
    var etaGiven: Bool
    var options: MergeOptions
    var shardBytes: Int?
    var compressShards: Bool
    var replacing: OutputReplacement
    /// Where config/tokenizer files come from (default: the init, else the first model).
    var auxiliaryFrom: String?

    /// The run a merge command asks for: the plan from its method flags plus the shared
    /// `MergeOptions` (threads, η policy), the grouping (slerp and lerp) and `OutputOptions`
    /// (dtype, shards). `etas` is `nil` when `--eta` was not given (one plain output).
    init(
        name: String, method: MethodID, lambda: Double? = nil, weights: [Double]? = nil,
        etas: [Double]?, models: [String], initPath: String?, grouping: GroupingOptions? = nil,
        merge: MergeOptions, output: OutputOptions
    ) throws {
        self.name = name
        plan = MergePlan(
            method: method, lambda: lambda, weights: weights,
            granularity: grouping?.granularity ?? .layer,
            outputDType: try output.outputDType(), etas: etas ?? [1],
            allowNegativeEta: merge.allowNegativeEta, threads: merge.threadCount)
        modelPaths = models
        self.initPath = initPath
        outputPath = output.output
        etaGiven = etas != nil
        options = merge
        shardBytes = try output.shardBytes()
        compressShards = output.compressShards
        replacing = output.replacing
    }

    /// Where output k goes: `OUT` for one output, `OUT/eta-<η>` for a front.
    func outputPaths() -> [String] {
        guard plan.etas.count > 1 else { return [outputPath] }
        return plan.etas.map {
            (outputPath as NSString).appendingPathComponent("eta-" + Self.format($0))
        }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    func run() throws {
        let initial = try initPath.map { try CheckpointIO.open($0) }
        let models = try modelPaths.map { try CheckpointIO.open($0) }
        let merge = try MergeEngine.prepare(plan, init: initial, models: models)
        let allowed = try ModelCompatibility(paths: (initPath.map { [$0] } ?? []) + modelPaths)
            .check(
                allowMixedArchitectures: options.allowMixedArchitectures,
                allowTokenizerMismatch: options.allowTokenizerMismatch)
        for w in allowed { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        let layout = merge.layout
        let paths = outputPaths()
        if paths.count > 1,
            outputPath.hasSuffix(".safetensors") || outputPath.hasSuffix(".safetensors.zst")
        {
            throw ValidationError(
                "several --eta values write one checkpoint each under OUT/eta-<η>/: "
                    + "-o must be a directory, not '\(outputPath)'")
        }
        if options.dryRun {
            if options.json {
                print(try dryRunJSON(layout, paths: paths))
            } else {
                print(layout.describe())
                print(
                    "\(layout.groups.count) groups, \(layout.copied.count) copied tensors; "
                        + "would write: " + paths.joined(separator: ", "))
            }
            return
        }
        var sinks: [any MergeSink] = []
        let inputPaths = modelPaths + (initPath.map { [$0] } ?? [])
        // a front is one output: OUT/eta-*/ assembled in a staged directory, moved in at the end
        let front =
            paths.count > 1
            ? try StagedDirectory(path: outputPath, inputs: inputPaths, replacing: replacing)
            : nil
        let writePaths =
            front.map { f in
                paths.map { f.temporaryPath + "/" + ($0 as NSString).lastPathComponent }
            }
            ?? paths
        let cleanUp = { front?.abort() }
        do {
            for (k, path) in writePaths.enumerated() {
                let recipe = MergeRecipe(
                    plan: plan, models: modelPaths, initial: initPath,
                    eta: etaGiven || plan.method == .liti ? plan.etas[k] : nil)
                sinks.append(
                    try CheckpointIO.sink(
                        path: path, tensors: layout.outputTensors, recipe: recipe,
                        inputs: inputPaths,
                        auxiliaryFrom: auxiliaryFrom ?? initPath ?? modelPaths.first,
                        shardBytes: shardBytes, compressShards: compressShards,
                        replacing: front == nil ? replacing : .anyCheckpoint))
            }
        } catch {
            for s in sinks { s.abort() }
            cleanUp()
            throw error
        }
        let progress = MergeProgressLine(label: name, quiet: options.quiet)
        let started = Date()
        let report: MergeReport
        do {
            report = try merge.run(into: sinks, progress: { progress.update($0) })
            try front?.commit()
            progress.finish()
        } catch {
            progress.finish()
            cleanUp()
            throw error
        }
        let seconds = Date().timeIntervalSince(started)
        for w in report.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        if options.json {
            print(try report.json())
        } else if !options.quiet {
            let inputBytes = ((initial.map { [$0] } ?? []) + models).reduce(0) { total, store in
                total + store.tensors.reduce(0) { $0 + $1.byteCount }
            }
            print(summary(report, paths: paths, seconds: seconds, inputBytes: inputBytes))
        }
    }

    func summary(_ report: MergeReport, paths: [String], seconds: Double, inputBytes: Int) -> String
    {
        var lines: [String] = []
        let what =
            plan.method == .liti
            ? "liti of \(modelPaths[0])"
            : "\(plan.method.rawValue) of \(modelPaths.count) models"
        lines.append(
            "\(name): \(what)" + (initPath.map { ", init \($0)" } ?? "")
                + (plan.method == .liti ? "" : ", granularity \(plan.granularity.rawValue)")
                + ": \(report.groups.count) groups, \(report.copiedTensors.count) tensors copied")
        let angles = report.groups.compactMap { $0.cosine12 }.map { acos($0) * 180 / .pi }.sorted()
        if plan.method != .liti, !angles.isEmpty {
            lines.append(
                String(
                    format: "angle(δ1, δ2) per group: min %.2f°, median %.2f°, max %.2f°",
                    angles[0], angles[angles.count / 2], angles[angles.count - 1]))
        }
        if plan.method == .slerp {
            let counts = report.fallbackCounts
            lines.append(
                "fallbacks to lerp: "
                    + (counts.isEmpty
                        ? "none"
                        : counts.sorted { $0.key.rawValue < $1.key.rawValue }
                            .map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")))
        }
        for (path, eta) in zip(paths, plan.etas) {
            let label =
                eta > 1 ? " (extrapolation)" : eta < 0 ? " (negative: away from the merge)" : ""
            lines.append(
                "wrote \(path)"
                    + (etaGiven || plan.method == .liti ? " (η = \(Self.format(eta))\(label))" : "")
            )
        }
        let gb = Double(inputBytes) / 1e9
        lines.append(
            String(
                format: "%.2f GB of inputs merged in %.1f s (%.2f GB/s)",
                gb, seconds, gb / max(seconds, 1e-9)))
        return lines.joined(separator: "\n")
    }

    func dryRunJSON(_ layout: MergeLayout, paths: [String]) throws -> String {
        struct Group: Encodable { var name: String; var tensors: [String]; var elements: Int }
        struct DryRun: Encodable {
            var groups: [Group]; var copied: [String]; var outputs: [String]
        }
        let run = DryRun(
            groups: layout.groups.map { g in
                Group(
                    name: g.name, tensors: g.tensors.map(\.name),
                    elements: g.tensors.reduce(0) { $0 + $1.elementCount })
            },
            copied: layout.copied, outputs: paths)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(run), as: UTF8.self)
    }
}
