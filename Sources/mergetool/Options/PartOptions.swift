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
    func runPart(_ merge: MergeEngine, paths: [String], inputPaths: [String]) throws {
        guard let part = plan.part else { return }
        if outputPath.hasSuffix(".safetensors") || outputPath.hasSuffix(".safetensors.zst") {
            throw ValidationError(
                "--part writes a checkpoint directory: -o must be a directory, not '\(outputPath)'")
        }
        let recipes = plan.etas.map { eta in
            MergeRecipe(
                plan: plan, models: modelPaths, initial: initPath,
                eta: etaGiven || plan.method == .liti ? eta : nil)
        }
        let output = PartOutput(
            out: outputPath,
            directories: paths.count > 1 ? paths.map { ($0 as NSString).lastPathComponent } : [""],
            recipes: recipes, inputs: inputPaths, auxiliaryFrom: initPath ?? modelPaths.first,
            shardSize: shardBytes, compress: compressShards, force: replacing == .anyCheckpoint)
        let progress = MergeProgressLine(label: "\(name) part \(part)", quiet: options.quiet)
        let result: (report: MergeReport, marker: PartCommit.Marker, assembly: PartCommit.Assembly?)
        do {
            result = try merge.runPart(output, progress: { progress.update($0) })
            progress.finish()
        } catch {
            progress.finish()
            throw error
        }
        for w in result.report.warnings {
            FileHandle.standardError.write(Data("warning: \(w)\n".utf8))
        }
        if options.json {
            print(try result.report.json())
            return
        }
        let files = result.marker.outputs.reduce(0) { $0 + $1.files.count }
        print(
            "\(name) part \(part): \(result.report.groups.count) groups, "
                + "\(result.report.copiedTensors.count) tensors copied, \(files) files written")
        if result.assembly != nil {
            print("all \(part.count) parts done: wrote \(outputPath)")
        } else if let dir = try? PartCommit.partsDirectory(for: outputPath),
            PartCommit.isComplete(result.marker, in: dir)
        {
            print(
                "all \(part.count) parts done; another process is writing \(outputPath) "
                    + "(if none is, run `mergetool index \(outputPath)`)")
        } else {
            print(
                "the last part to finish writes \(outputPath) "
                    + "(or run `mergetool index \(outputPath)` once all parts are done)")
        }
    }
}
