import Foundation
import SafeTensors

/// A part's weight files as a merge output.
extension PartWriter: MergeSink {}

/// Where and how a partitioned merge writes (`MergeEngine.runPart`).
public struct PartOutput: Sendable {
    /// The final checkpoint directory.
    public var out: String
    /// One sub-directory per η (`""` for OUT itself; `eta-<η>` in a front).
    public var directories: [String]
    /// One recipe per η: its metadata goes into every file, its model card into README.md.
    public var recipes: [MergeRecipe]
    /// The merge's input paths (OUT must not be one of them or hold one).
    public var inputs: [String]
    /// The checkpoint whose config/tokenizer files OUT receives (used if a directory).
    public var auxiliaryFrom: String?
    public var shardSize: Int?
    public var compress: Bool
    /// Replace any checkpoint directory at OUT (`--force`), not only a mergetool output.
    public var force: Bool

    public init(
        out: String, directories: [String], recipes: [MergeRecipe], inputs: [String],
        auxiliaryFrom: String?, shardSize: Int?, compress: Bool, force: Bool
    ) {
        self.out = out
        self.directories = directories
        self.recipes = recipes
        self.inputs = inputs
        self.auxiliaryFrom = auxiliaryFrom
        self.shardSize = shardSize
        self.compress = compress
        self.force = force
    }
}

extension MergeEngine {
    /// Merges this engine's part (`plan.part`) and commits its files and marker under
    /// `.OUT.parts` (`PartCommit`); the part that finds every marker present assembles OUT.
    ///
    /// Every tensor's bytes equal the unsplit merge's: a part runs whole groups of the whole
    /// layout with the same plan, and the engine's results do not depend on which other
    /// tensors are in the run. The files of all parts are named from the whole layout
    /// (`PartCommit.files`), so they do not depend on the order parts finish in.
    /// - Returns: the part's report, its marker, and the assembly when this part did it.
    /// - Throws: `MergeError`, `SafeTensorsError` (OUT not replaceable, I/O); nothing of this
    ///   part is left under a final name.
    /// - Precondition: `plan.part` is set and `output` has one directory and recipe per η.
    public func runPart(
        _ output: PartOutput, progress: ((MergeProgress) -> Void)? = nil
    ) throws -> (report: MergeReport, marker: PartCommit.Marker, assembly: PartCommit.Assembly?) {
        guard let part = plan.part, let partition else {
            preconditionFailure("runPart needs a plan with a part")
        }
        precondition(output.directories.count == plan.etas.count)
        precondition(output.recipes.count == plan.etas.count)
        let files = PartCommit.files(
            tensorsByPart: partition.outputTensorsByPart(), shardSize: output.shardSize,
            compress: output.compress)
        let hash = planHash(output)
        var isDirectory: ObjCBool = false
        let auxiliary = output.auxiliaryFrom.flatMap {
            FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory)
                && isDirectory.boolValue ? $0 : nil
        }
        // absolute, so `mergetool index OUT` may run from another directory
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = { (p: String) in p.hasPrefix("/") ? p : cwd + "/" + p }
        let marker = PartCommit.Marker(
            plan: hash, part: part.index, count: part.count, force: output.force,
            inputs: output.inputs.map(absolute), auxiliaryFrom: auxiliary.map(absolute),
            outputs: zip(output.directories, output.recipes).map { dir, recipe in
                PartCommit.Output(
                    directory: dir, files: files[part.index - 1],
                    extraFiles: ["README.md": recipe.modelCard()])
            })
        let parts = try PartCommit.prepareDirectory(
            out: output.out, marker: marker,
            replacing: output.force ? .anyCheckpoint : .mergetoolOutput)
        var sinks: [any MergeSink] = []
        do {
            for (dir, recipe) in zip(output.directories, output.recipes) {
                sinks.append(
                    try PartWriter(
                        directory: dir.isEmpty ? parts : parts + "/" + dir,
                        files: files[part.index - 1],
                        metadata: try PartCommit.metadata(
                            recipe.metadata(), plan: hash, auxiliaryFrom: auxiliary,
                            extraFiles: ["README.md"])))
            }
        } catch {
            for s in sinks { s.abort() }
            throw error
        }
        let report = try run(into: sinks, progress: progress)
        try PartCommit.writeMarker(marker, in: parts)
        var assembly: PartCommit.Assembly?
        if PartCommit.isComplete(marker, in: parts), PartCommit.claimAssembly(in: parts) {
            do {
                assembly = try PartCommit.assemble(out: output.out)
            } catch {
                PartCommit.releaseAssembly(in: parts)  // `index OUT` or another part may retry
                throw error
            }
        }
        return (report, marker, assembly)
    }

    /// FNV-1a (64 bit, hex) of everything the parts must agree on: the recipes (method,
    /// coefficients, inputs, η), granularity, output dtype, tolerance, shard size, compression,
    /// part count and the whole layout's output tensors. Stable across machines and runs.
    func planHash(_ output: PartOutput) -> String {
        var text = "mergetool-part-plan 1\n"
        for (dir, recipe) in zip(output.directories, output.recipes) {
            text += "output \(dir)\n"
            for (k, v) in recipe.metadata() { text += "\(k)=\(v)\n" }
        }
        text += "granularity=\(plan.granularity.rawValue)\n"
        text += "dtype=\(plan.outputDType?.rawValue ?? "keep")\n"
        text += "tolerance=\(plan.parallelTolerance) etas=\(plan.etas)\n"
        text += "shard=\(output.shardSize.map(String.init) ?? "none") zstd=\(output.compress)\n"
        text += "parts=\(plan.part?.count ?? 1)\n"
        for t in (partition?.layout ?? layout).outputTensors {
            text += "\(t.name) \(t.dtype.rawValue) \(t.shape)\n"
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
