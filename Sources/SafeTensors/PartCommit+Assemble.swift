import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PartCommit {
    /// What `assemble` did.
    public enum Assembly: Equatable, Sendable {
        /// OUT was built from `count` parts; `files` are its paths.
        case assembled(count: Int, files: [String])
        /// No parts in progress and OUT is a mergetool output already: nothing to do.
        case alreadyAssembled
    }

    /// Turns the finished parts of `out` into a normal checkpoint directory at `out` (see the
    /// type's documentation), then removes `.OUT.parts`.
    ///
    /// Per output: the part files (hard-linked, else copied), `model.safetensors.index.json`
    /// when there is more than one file (`total_size` = Σ tensor bytes, `weight_map` sorted by
    /// name, as `CheckpointWriter` writes it), the auxiliary files of the recorded source
    /// (config.json, tokenizer files) and the extra files (README.md model card).
    /// - Parameter force: replace any checkpoint directory at `out` (`nil`: as the parts
    ///   recorded).
    /// - Throws: `.partsMissing` naming the parts without a marker; `.partsInvalid` for no
    ///   parts, markers that disagree or a file whose plan hash is not the markers'; the
    ///   `StagedDirectory` errors (OUT not replaceable); `.io`.
    /// - Complexity: O(files + tensors); no tensor bytes are read unless links fail.
    public static func assemble(out: String, force: Bool? = nil) throws -> Assembly {
        let parts = try partsDirectory(for: out)
        var st = stat()
        guard lstat(parts, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            if lstat(out, &st) == 0, (try? OutputReplacement.judgeDirectory(out, depth: 0)) == true
            {
                return .alreadyAssembled
            }
            throw SafeTensorsError.partsInvalid(
                path: out, reason: "no merge parts in progress (expected \(parts))")
        }
        let found = try markers(in: parts)
        if let bad = found.first(where: { $0.1 == nil }) {
            throw SafeTensorsError.partsInvalid(
                path: parts + "/" + bad.0, reason: "not a readable part marker")
        }
        let all = found.compactMap { $0.1 }
        guard let first = all.first else {
            throw SafeTensorsError.partsInvalid(
                path: out, reason: "no part has finished yet (no marker in \(parts))")
        }
        if let other = all.first(where: { $0.plan != first.plan || $0.count != first.count }) {
            throw SafeTensorsError.partsInvalid(
                path: out,
                reason: "\(first.fileName) and \(other.fileName) belong to different merges; "
                    + "rerun every part of one merge")
        }
        let done = Set(all.map(\.part))
        let missing = (1...first.count).filter { !done.contains($0) }
        if !missing.isEmpty {
            throw SafeTensorsError.partsMissing(path: out, missing: missing, count: first.count)
        }
        let ordered = all.sorted { $0.part < $1.part }
        let replacing: OutputReplacement =
            (force ?? first.force) ? .anyCheckpoint : .mergetoolOutput
        let staged = try StagedDirectory(path: out, inputs: first.inputs, replacing: replacing)
        do {
            for (k, output) in first.outputs.enumerated() {
                let files = ordered.flatMap { $0.outputs[k].files }
                try assembleOutput(
                    output, files: files, from: parts, into: staged.temporaryPath,
                    plan: first.plan, auxiliaryFrom: first.auxiliaryFrom)
            }
            try staged.commit()
        } catch {
            staged.abort()
            throw error
        }
        try? FileManager.default.removeItem(atPath: parts)
        let written = first.outputs.flatMap { output in
            let dir = output.directory.isEmpty ? out : out + "/" + output.directory
            let names = (try? CheckpointWriter.listDirectory(dir)) ?? []
            return names.map { dir + "/" + $0 }
        }
        return .assembled(count: first.count, files: written)
    }

    private static func assembleOutput(
        _ output: Output, files: [File], from parts: String, into staged: String, plan: String,
        auxiliaryFrom: String?
    ) throws {
        let source = output.directory.isEmpty ? parts : parts + "/" + output.directory
        let target = output.directory.isEmpty ? staged : staged + "/" + output.directory
        if !output.directory.isEmpty, mkdir(target, 0o755) != 0 {
            throw SafeTensorsError.io(
                path: target, operation: "create directory", errno: errno,
                message: String(cString: strerror(errno)))
        }
        for file in files {
            let from = source + "/" + file.name
            guard let metadata = OutputReplacement.metadata(from) else {
                throw SafeTensorsError.partsInvalid(
                    path: from, reason: "part file is missing or unreadable")
            }
            if metadata[planKey] != plan {
                throw SafeTensorsError.partsInvalid(
                    path: from, reason: "part file belongs to another merge (plan hash differs)")
            }
            let to = target + "/" + file.name
            if link(from, to) != 0 { try CheckpointWriter.copyFile(from, to: to) }
        }
        if files.count > 1 {
            try AtomicFile.write(
                ShardIndex.json(shards: files.map { (file: $0.name, tensors: $0.tensors) }),
                to: target + "/" + Checkpoint.indexName)
        }
        if let aux = auxiliaryFrom {
            for name in try CheckpointWriter.auxiliaryFiles(in: aux)
            where output.extraFiles[name] == nil {
                try CheckpointWriter.copyFile(aux + "/" + name, to: target + "/" + name)
            }
        }
        for (name, text) in output.extraFiles.sorted(by: { $0.key < $1.key }) {
            try AtomicFile.write(Array(text.utf8), to: target + "/" + name)
        }
        try OutputPath.syncDirectory(target)
    }
}
