import ArgumentParser
import Foundation
import Merging
import SafeTensors

/// `--part i/n`: merge one deterministic share of the groups (`MergePartition`) and commit its
/// files under `.OUT.parts` (`PartCommit`); the last part to finish, or `mergetool index OUT`,
/// assembles OUT. A cluster runs `--part $SLURM_ARRAY_TASK_ID/N` in an array `--array=1-N`.
struct PartOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Merge only part I of N (1 ≤ I ≤ N; whole groups, balanced by bytes) into "
                + ".OUT.parts/; the last part to finish (or `mergetool index OUT`) writes OUT.",
            valueName: "i/n"))
    var part: String?

    func validate() throws { _ = try mergePart() }

    /// `--part` parsed; `nil` without it.
    func mergePart() throws -> MergePart? {
        guard let text = part else { return nil }
        guard let p = MergePart(text) else {
            throw ValidationError("--part must be I/N, e.g. 2/7, not '\(text)'")
        }
        do {
            try p.validate()
        } catch {
            throw ValidationError("--part \(text): parts are 1/N … N/N with N ≥ 1")
        }
        return p
    }
}

extension MergeCommandRun {
    /// The `--part` path of `run()`: this part's files and marker, then the assembly if this
    /// part finished last.
    func runPart(_ prepared: PreparedMergeJob) throws {
        guard let part = job.plan.part else { return }
        if job.outputIsFile {
            throw ValidationError(
                "--part writes a checkpoint directory: -o must be a directory, not '\(job.output)'")
        }
        let recipes = job.plan.etas.map { eta in
            MergeRecipe(
                plan: job.plan, models: job.models, initial: job.initial,
                eta: job.labelsEta ? eta : nil)
        }
        let paths = job.outputPaths
        let output = PartOutput(
            out: job.output,
            directories: paths.count > 1 ? paths.map { ($0 as NSString).lastPathComponent } : [""],
            recipes: recipes, inputs: job.inputs, auxiliaryFrom: job.initial ?? job.models.first,
            shardSize: job.shardBytes, compress: job.compressShards,
            force: job.replacing == .anyCheckpoint)
        let line = ProgressLine(
            label: "\(name) part \(part)", unit: "tensors", quiet: options.quiet)
        let result: (report: MergeReport, marker: PartCommit.Marker, assembly: PartCommit.Assembly?)
        do {
            defer { line.finish() }
            result = try prepared.engine.runPart(output, progress: { line.update(Progress($0)) })
        }
        for w in result.report.warnings { stderrLine("warning: \(w)") }
        if options.json {
            print(try result.report.json())
            return
        }
        let files = result.marker.outputs.reduce(0) { $0 + $1.files.count }
        print(
            "\(name) part \(part): \(result.report.groups.count) groups, "
                + "\(result.report.copiedTensors.count) tensors copied, \(files) files written")
        if result.assembly != nil {
            print("all \(part.count) parts done: wrote \(job.output)")
        } else if let dir = try? PartCommit.partsDirectory(for: job.output),
            PartCommit.isComplete(result.marker, in: dir)
        {
            print(
                "all \(part.count) parts done; another process is writing \(job.output) "
                    + "(if none is, run `mergetool index \(job.output)`)")
        } else {
            print(
                "the last part to finish writes \(job.output) "
                    + "(or run `mergetool index \(job.output)` once all parts are done)")
        }
    }
}
