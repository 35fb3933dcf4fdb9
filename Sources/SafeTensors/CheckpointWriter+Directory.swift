import Foundation

extension CheckpointWriter {
    /// The names in a directory, sorted.
    static func listDirectory(_ dir: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        } catch {
            throw SafeTensorsError.io(
                path: dir, operation: "list", errno: EIO, message: "cannot read the directory")
        }
    }

    /// `model.safetensors.index.json`: total_size and weight_map (names sorted by bytes).
    func writeIndex(into dir: String) throws {
        var entries: [(name: String, file: String)] = []
        var total = 0
        for (k, tensors) in plan.enumerated() {
            for t in tensors {
                entries.append((t.name, fileNames[k]))
                total += t.byteCount
            }
        }
        entries.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        var s = "{\n  \"metadata\": {\n    \"total_size\": \(total)\n  },\n  \"weight_map\": {\n"
        s += entries.map { "    \(JSONText.quoted($0.name)): \(JSONText.quoted($0.file))" }
            .joined(separator: ",\n")
        s += "\n  }\n}\n"
        try writeFile((dir as NSString).appendingPathComponent(Checkpoint.indexName), Array(s.utf8))
    }

    /// Copies the source checkpoint's non-weight regular files, then writes `extraFiles`.
    func copyAuxiliary(into dir: String) throws {
        if let source = auxiliaryFrom {
            for name in try Self.auxiliaryFiles(in: source) where extraFiles[name] == nil {
                let from = (source as NSString).appendingPathComponent(name)
                try Self.copyFile(from, to: (dir as NSString).appendingPathComponent(name))
            }
        }
        for (name, bytes) in extraFiles {
            try writeFile((dir as NSString).appendingPathComponent(name), bytes)
        }
    }

    /// Regular files of a checkpoint directory that are not weights: not `*.safetensors`,
    /// `*.safetensors.zst`, `*.safetensors.index.json`, `*.bin`/`*.pt`/`*.pth` weights or
    /// hidden files. Symlinks to regular files count (Hugging Face caches use them).
    /// A file checkpoint has none.
    static func auxiliaryFiles(in source: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue
        else {
            return []
        }
        let weightSuffixes = [
            ".safetensors", ".safetensors.zst", ".safetensors.index.json",
            ".bin", ".bin.index.json", ".pt", ".pth", ".ckpt", ".h5", ".msgpack",
        ]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []
        return names.filter { name in
            if name.hasPrefix(".") || weightSuffixes.contains(where: { name.hasSuffix($0) }) {
                return false
            }
            var st = stat()
            let full = (source as NSString).appendingPathComponent(name)
            return stat(full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        }.sorted()
    }

    /// Copies a regular file through an `AtomicFile` (in-kernel where possible; synced).
    static func copyFile(_ from: String, to path: String) throws {
        let file = try AtomicFile(path: path)
        let source = try MappedFile(path: from)
        if try !file.appendFileRange(source: from, offset: 0, count: source.bytes.count) {
            try file.write(source.bytes)
        }
        try file.commit()
    }

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let f = try AtomicFile(path: path)
        try bytes.withUnsafeBytes { try f.write($0) }
        try f.commit()
    }
}
