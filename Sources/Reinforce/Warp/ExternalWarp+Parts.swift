import Foundation
import Merging
import SafeTensors

/// The merge of an iteration split into N parts (`--merge-parts N`): part tasks that each
/// merge a deterministic share of the groups, at every η at once, and a merge task that
/// assembles them. The same engine and commit protocol as `mergetool slerp … --part K/N` and
/// `mergetool index` (`MergeEngine.runPart`, `PartCommit`):
///
///     merge:I:K/N   iteration-I/.merged.parts/eta-X.XX/model-…   part K's files and marker
///     merge:I       iteration-I/merged/eta-X.XX/                  assembled (by the last part
///                                                                 to finish, or here)
///                   iteration-I/eta-X.XX/                         each moved into place
///
/// Every tensor is byte for byte the unsplit merge's. Interrupted anywhere, a rerun finds a
/// consistent state: a part's files count only with its marker; `merged/` is whole (an atomic
/// rename) until every θ_η was committed under its final name, and only then is it removed.
extension ExternalWarp {
    /// The part task: part `k` of `n` of iteration `i`'s merge.
    /// - Returns: the part's record (tensors merged, warnings) for its completion marker.
    /// - Throws: `MergeError`, `SafeTensorsError`.
    func mergePart(iteration i: Int, part k: Int, of n: Int) throws -> [String: String] {
        let out = directory.mergedParts(iteration: i)
        let parts = try PartCommit.partsDirectory(for: out)
        let fm = FileManager.default
        if !fm.fileExists(atPath: parts), fm.fileExists(atPath: out) {
            // every part was merged and assembled (this one was killed before its marker)
            return ["assembled": "before this attempt"]
        }
        let part = MergePart(index: k, count: n)
        let (engine, plan, initPath, runs) = try prepareMerge(iteration: i, part: part)
        let etas = settings.mergedEtas
        let output = PartOutput(
            out: out, directories: etas.map(WarpRunDirectory.etaName),
            recipes: etas.map { MergeRecipe(plan: plan, models: runs, initial: initPath, eta: $0) },
            inputs: runs + [initPath], auxiliaryFrom: initPath, shardSize: nil, compress: false,
            force: true)
        log?("iteration \(i): merge part \(part) (SLERP + LITI at \(etas.count) η)")
        let result = try engine.runPart(output)
        return [
            "tensors": "\(result.report.groups.reduce(0) { $0 + $1.tensors })",
            "warnings": result.report.warnings.joined(separator: "\n"),
            "assembled": result.assembly == nil ? "no" : "yes",
        ]
    }

    /// Assembles iteration `i`'s parts (unless the last part did) and moves every θ_η from
    /// `iteration-I/merged/` to `iteration-I/eta-X.XX/`, each committed atomically; then
    /// removes `merged/` (renamed aside first, so a half-removed copy is never read).
    /// - Throws: `SafeTensorsError.partsMissing` naming the parts without files.
    func assembleParts(iteration i: Int) throws {
        let fm = FileManager.default
        let out = directory.mergedParts(iteration: i)
        let trash = directory.path(WarpRunDirectory.iterationName(i), ".merged.removing")
        if fm.fileExists(atPath: trash) { try fm.removeItem(atPath: trash) }
        if fm.fileExists(atPath: try PartCommit.partsDirectory(for: out)) {
            _ = try PartCommit.assemble(out: out, force: true)
        }
        guard fm.fileExists(atPath: out) else {
            // moved by an earlier attempt: every θ_η is in place
            for eta in settings.mergedEtas
            where !fm.fileExists(atPath: directory.liti(eta: eta, iteration: i)) {
                throw ReinforceError.fileNotFound(path: directory.liti(eta: eta, iteration: i))
            }
            return
        }
        for eta in settings.mergedEtas {
            try Self.copyCheckpoint(
                from: (out as NSString).appendingPathComponent(WarpRunDirectory.etaName(eta)),
                to: directory.liti(eta: eta, iteration: i), link: true)
        }
        try fm.moveItem(atPath: out, toPath: trash)
        try fm.removeItem(atPath: trash)
    }
}
