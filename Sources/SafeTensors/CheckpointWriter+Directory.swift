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

    /// `model.safetensors.index.json` of the planned shards (see `ShardIndex.json`).
    func writeIndex(into dir: String) throws {
        let shards = zip(fileNames, plan).map { (file: $0, tensors: $1) }
        try AtomicFile.write(
            ShardIndex.json(shards: shards),
            to: (dir as NSString).appendingPathComponent(Checkpoint.indexName))
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
            try AtomicFile.write(bytes, to: (dir as NSString).appendingPathComponent(name))
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
}
