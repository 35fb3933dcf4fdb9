import Crypto

/// Where a tensor's bytes live: the file and its `data_offsets` (relative to the data buffer,
/// as in the header; for a `.zst` file, in the decompressed stream).
public struct TensorLocation: Sendable, Equatable {
    public var file: String
    public var begin: Int
    public var end: Int
}

extension Checkpoint {
    /// The file and data offsets of every tensor of `store`, by name; `nil` for stores that
    /// are not files (in-memory).
    public static func locations(_ store: any TensorStore) -> [ExactName: TensorLocation]? {
        switch store {
        case let f as SafeTensorsFile:
            return Dictionary(
                uniqueKeysWithValues: f.header.entries.map {
                    (
                        ExactName($0.info.name),
                        TensorLocation(file: f.path, begin: $0.begin, end: $0.end)
                    )
                })
        case let z as ZstdStore:
            return Dictionary(
                uniqueKeysWithValues: z.header.entries.map {
                    (
                        ExactName($0.info.name),
                        TensorLocation(file: z.path, begin: $0.begin, end: $0.end)
                    )
                })
        case let s as ShardedCheckpoint:
            var out: [ExactName: TensorLocation] = [:]
            for shard in s.shards {
                guard let inner = locations(shard) else { return nil }
                out.merge(inner) { a, _ in a }
            }
            return out
        default:
            return nil
        }
    }

    /// `__metadata__` pairs in header order (the first shard's for a sharded checkpoint;
    /// sorted by key for other stores).
    public static func metadataPairs(_ store: any TensorStore) -> [(key: String, value: String)] {
        switch store {
        case let f as SafeTensorsFile: return f.header.metadataPairs
        case let z as ZstdStore: return z.header.metadataPairs
        case let s as ShardedCheckpoint:
            return s.shards.first.map { metadataPairs($0) } ?? []
        default:
            return store.metadata.sorted {
                Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8))
            }
            .map { (key: $0.key, value: $0.value) }
        }
    }

    /// SHA-256 of tensor `name`'s raw bytes, as lowercase hex; read in 8 MiB chunks.
    /// - Complexity: one pass over the tensor; memory one chunk.
    public static func sha256(of name: String, in store: any TensorStore) throws -> String {
        guard let info = store.info(name) else {
            throw SafeTensorsError.unknownTensor(name: name, file: store.label)
        }
        var hasher = SHA256()
        let chunk = 8 << 20
        var start = 0
        while start < info.byteCount {
            let end = min(info.byteCount, start + chunk)
            try store.withBytes(of: name, in: start..<end) { hasher.update(bufferPointer: $0) }
            store.release(name, in: start..<end)
            start = end
        }
        return hasher.finalize().map { byte in
            let h = String(byte, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }
}
