import ArgumentParser
import Foundation
import Merging
import SafeTensors

/// What the merge subcommands share once their flags are parsed: a `MergeJob` from the flags,
/// run with a progress line, and its result formatted (summary, or JSON with `--json`).
struct MergeCommandRun {
    var name: String
    var job: MergeJob
    var options: MergeOptions

    /// The run a merge command asks for: the plan from its method flags plus the shared
    /// `MergeOptions` (threads, η policy), the grouping (slerp and lerp) and `OutputOptions`
    /// (dtype, shards). `etas` is `nil` when `--eta` was not given (one plain output).
    init(
        name: String, method: MethodID, lambda: Double? = nil, weights: [Double]? = nil,
        etas: [Double]?, models: [String], initPath: String?, grouping: GroupingOptions? = nil,
        merge: MergeOptions, output: OutputOptions, part: PartOptions? = nil
    ) throws {
        self.name = name
        let plan = MergePlan(
            method: method, lambda: lambda, weights: weights,
            granularity: grouping?.granularity ?? .layer,
            outputDType: try output.outputDType(), etas: etas ?? [1],
            allowNegativeEta: merge.allowNegativeEta, allowNonFinite: merge.allowNonFinite,
            threads: merge.threadCount,
            part: try part?.mergePart())
        job = MergeJob(
            plan: plan, models: models, initial: initPath, output: output.output,
            labelsEta: etas != nil || method == .liti, shardBytes: try output.shardBytes(),
            compressShards: output.compressShards, replacing: output.replacing)
        options = merge
    }

    var plan: MergePlan {
        get { job.plan }
        set { job.plan = newValue }
    }
    /// Where config/tokenizer files come from (default: the init, else the first model).
    var auxiliaryFrom: String? {
        get { job.auxiliaryFrom }
        set { job.auxiliaryFrom = newValue }
    }

    func run() throws {
        let prepared = try job.prepare()
        let allowed = try ModelCompatibility(paths: (job.initial.map { [$0] } ?? []) + job.models)
            .check(
                allowMixedArchitectures: options.allowMixedArchitectures,
                allowTokenizerMismatch: options.allowTokenizerMismatch)
        for w in allowed { stderrLine("warning: \(w)") }
        if job.outputPaths.count > 1, job.outputIsFile {
            throw ValidationError(
                "several --eta values write one checkpoint each under OUT/eta-<η>/: "
                    + "-o must be a directory, not '\(job.output)'")
        }
        if options.dryRun {
            let dry = prepared.dryRun()
            print(options.json ? try dry.json() : dry.text)
            return
        }
        if job.plan.part != nil { return try runPart(prepared) }
        let line = ProgressLine(label: name, unit: "tensors", quiet: options.quiet)
        let result: MergeJobResult
        do {
            defer { line.finish() }
            result = try prepared.run(progress: { line.update(Progress($0)) })
        }
        for w in result.report.warnings { stderrLine("warning: \(w)") }
        if options.json {
            print(try result.report.json())
        } else if !options.quiet {
            print(summary(result))
        }
    }

    /// The human summary: what was merged, the angle range, SLERP fallbacks, the outputs and
    /// the throughput.
    func summary(_ result: MergeJobResult) -> String {
        let report = result.report
        var lines: [String] = []
        let what =
            plan.method == .liti
            ? "liti of \(job.models[0])"
            : "\(plan.method.rawValue) of \(job.models.count) models"
        lines.append(
            "\(name): \(what)" + (job.initial.map { ", init \($0)" } ?? "")
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
        for (path, eta) in zip(result.outputs, plan.etas) {
            let label =
                eta > 1 ? " (extrapolation)" : eta < 0 ? " (negative: away from the merge)" : ""
            lines.append(
                "wrote \(path)"
                    + (job.labelsEta ? " (η = \(MergeJob.format(eta))\(label))" : ""))
        }
        let gb = Double(result.inputBytes) / 1e9
        lines.append(
            String(
                format: "%.2f GB of inputs merged in %.1f s (%.2f GB/s)",
                gb, result.seconds, gb / max(result.seconds, 1e-9)))
        return lines.joined(separator: "\n")
    }
}
