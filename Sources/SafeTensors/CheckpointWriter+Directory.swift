import Foundation

extension CheckpointWriter {
    /// Creates `.NAME.tmp-XXXXXX` beside `path` (same filesystem, so the final rename is atomic).
    static func makeStagingDir(for path: String) throws -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let parent = (trimmed as NSString).deletingLastPathComponent
        let base = (trimmed as NSString).lastPathComponent
        let dir = parent.isEmpty ? "." : parent
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard made else {
            let e = errno
            throw SafeTensorsError.io(
                path: path, operation: "create directory", errno: e,
                message: String(cString: strerror(e)))
        }
        let result = String(cString: template.map { UInt8(bitPattern: $0) })
        _ = chmod(result, 0o755)
        return result
    }

    /// Moves `staging` to `path`; an existing `path` is moved aside first and removed after.
    static func replace(_ path: String, with staging: String) throws {
        func fail(_ op: String) -> SafeTensorsError {
            let e = errno
            return .io(path: path, operation: op, errno: e, message: String(cString: strerror(e)))
        }
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if rename(staging, path) != 0 { throw fail("rename") }
            return
        }
        let aside = staging.replacingOccurrences(of: ".tmp-", with: ".old-")
        if rename(path, aside) != 0 { throw fail("move aside") }
        if rename(staging, path) != 0 {
            let error = fail("rename")
            _ = rename(aside, path)  // put the old output back
            throw error
        }
        try? FileManager.default.removeItem(atPath: aside)
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
                let to = (dir as NSString).appendingPathComponent(name)
                do {
                    try FileManager.default.copyItem(atPath: from, toPath: to)
                } catch {
                    throw SafeTensorsError.io(
                        path: from, operation: "copy", errno: EIO,
                        message: error.localizedDescription)
                }
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

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let f = try AtomicFile(path: path)
        try bytes.withUnsafeBytes { try f.write($0) }
        try f.commit()
    }
}
