import Foundation

/// Opening checkpoints in any of the layouts mergetool reads.
public enum Checkpoint {
    /// The index file name of a sharded Hugging Face checkpoint.
    public static let indexName = "model.safetensors.index.json"

    /// Opens `path`:
    /// - a `.safetensors` file (memory-mapped, `SafeTensorsFile`);
    /// - a `.safetensors.zst` file (streamed, `ZstdStore`);
    /// - a `*.safetensors.index.json` file (`ShardedCheckpoint`);
    /// - a directory holding `model.safetensors.index.json` (+ shards), `model.safetensors`, or
    ///   `model.safetensors.zst`, tried in that order; failing those, the directory's only
    ///   `*.safetensors.index.json`, only `*.safetensors`, or only `*.safetensors.zst`.
    ///
    /// Only regular files are read (a FIFO, socket or device is refused before it is opened,
    /// `.notRegularFile`); a PyTorch pickle file, or a directory holding only
    /// `pytorch_model*.bin`, is named as such (`.pickleCheckpoint`).
    ///
    /// - Throws: `SafeTensorsError` naming the file (and tensor) for anything malformed;
    ///   `.notACheckpoint` when the path holds nothing we can read or is ambiguous.
    /// - Complexity: reads headers (and the index) only.
    public static func open(_ path: String) throws -> any TensorStore {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw SafeTensorsError.io(
                path: path, operation: "open", errno: ENOENT,
                message: "No such file or directory")
        }
        if !isDir.boolValue { return try openFile(path) }
        let dir = path as NSString
        for name in [indexName, "model.safetensors", "model.safetensors.zst"] {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate) { return try openFile(candidate) }
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { !$0.hasPrefix(".") }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        } catch {
            throw SafeTensorsError.io(
                path: path, operation: "list", errno: EACCES,
                message: "cannot list the directory")
        }
        for suffix in [".safetensors.index.json", ".safetensors", ".safetensors.zst"] {
            let found = entries.filter { $0.hasSuffix(suffix) }
            if found.count == 1 { return try openFile(dir.appendingPathComponent(found[0])) }
            if found.count > 1 {
                throw SafeTensorsError.notACheckpoint(
                    path: path,
                    reason: "\(found.count) *\(suffix) files and no \(indexName) "
                        + "(ambiguous: \(found.prefix(3).joined(separator: ", ")))")
            }
        }
        if let pickle = entries.first(where: isPyTorchWeights) {
            throw SafeTensorsError.pickleCheckpoint(path: dir.appendingPathComponent(pickle))
        }
        throw SafeTensorsError.notACheckpoint(
            path: path, reason: "no model.safetensors, \(indexName) or *.safetensors[.zst] file")
    }

    /// `pytorch_model.bin`, its shards `pytorch_model-0000k-of-0000N.bin` or their index.
    static func isPyTorchWeights(_ name: String) -> Bool {
        name.hasPrefix("pytorch_model")
            && (name.hasSuffix(".bin") || name.hasSuffix(".bin.index.json"))
    }

    static func openFile(_ path: String) throws -> any TensorStore {
        if path.hasSuffix(".index.json") { return try ShardedCheckpoint(indexPath: path) }
        if path.hasSuffix(".zst") { return try ZstdStore(path: path) }
        return try SafeTensorsFile(path: path)
    }
}
