import Foundation

/// A `TensorStore` over the shards of a Hugging Face sharded checkpoint:
/// `model.safetensors.index.json` (`weight_map`: tensor name → shard file, and optionally
/// `metadata.total_size`) plus the shard files beside it (`.safetensors`, or `.safetensors.zst`).
///
/// Opening validates the whole set: every shard exists and is a valid safetensors file; every
/// name in the index is held by the shard it names; every tensor of every shard is in the index
/// (pointing at that shard); no tensor is in two shards; `total_size`, when present, equals the
/// sum of tensor bytes. `tensors` are in storage order: shards in file-name order (the index
/// order of `model-0000k-of-0000N`), then data offset.
///
/// - Complexity: open reads the index and each shard's header; lookups are O(1).
public final class ShardedCheckpoint: TensorStore, @unchecked Sendable {
    public let indexPath: String
    public let directory: String
    /// Shard file names in storage order, and the open shards.
    public let shardNames: [String]
    public let shards: [any TensorStore]
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    private let location: [ExactName: Int]

    public var label: String { directory }

    public init(indexPath: String) throws {
        self.indexPath = indexPath
        directory = FileAccess.parent(of: indexPath)
        let parsed = try ShardIndex(path: indexPath)
        var names: [String] = []
        var seenShard = Set<ExactName>()
        for (_, shard) in parsed.weightMap where seenShard.insert(ExactName(shard)).inserted {
            names.append(shard)
        }
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        shardNames = names
        var shards: [any TensorStore] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw SafeTensorsError.missingShard(index: indexPath, shard: name)
            }
            shards.append(
                name.hasSuffix(".zst") ? try ZstdStore(path: path) : try SafeTensorsFile(path: path)
            )
        }
        self.shards = shards
        var listedShard: [ExactName: String] = [:]
        for (name, shard) in parsed.weightMap { listedShard[ExactName(name)] = shard }
        var location: [ExactName: Int] = [:]
        var tensors: [TensorInfo] = []
        var total = 0
        for (k, shard) in shards.enumerated() {
            for t in shard.tensors {
                let key = ExactName(t.name)
                if let other = location[key] {
                    throw SafeTensorsError.duplicateTensor(
                        name: t.name, files: [shards[other].label, shard.label])
                }
                guard let listed = listedShard[key] else {
                    throw SafeTensorsError.indexMismatch(
                        index: indexPath, tensor: t.name, shard: names[k],
                        reason: "not listed in the index")
                }
                if !listed.bytesEqual(names[k]) {
                    throw SafeTensorsError.indexMismatch(
                        index: indexPath, tensor: t.name, shard: names[k],
                        reason: "the index places it in '\(listed)'")
                }
                location[key] = k
                tensors.append(t)
                total += t.byteCount
            }
        }
        for (name, shard) in parsed.weightMap where location[ExactName(name)] == nil {
            throw SafeTensorsError.indexMismatch(
                index: indexPath, tensor: name, shard: shard, reason: "the shard does not hold it")
        }
        if let declared = parsed.totalSize, declared != total {
            throw SafeTensorsError.invalidIndex(
                file: indexPath,
                reason: "metadata.total_size is \(declared) but the tensors hold \(total) bytes")
        }
        self.tensors = tensors
        self.location = location
        var metadata: [String: String] = [:]
        for s in shards { metadata.merge(s.metadata) { a, _ in a } }
        self.metadata = metadata
    }

    public func info(_ name: String) -> TensorInfo? {
        location[ExactName(name)].flatMap { shards[$0].info(name) }
    }

    /// Random access when every shard is.
    public var access: StoreAccess {
        shards.allSatisfy { $0.access == .randomAccess } ? .randomAccess : .forwardStream
    }

    public func handle(_ name: String) -> TensorHandle? {
        location[ExactName(name)].flatMap { shards[$0].handle(name) }
    }

    public func reopen() throws -> any TensorStore {
        access == .randomAccess ? self : try ShardedCheckpoint(indexPath: indexPath)
    }

    /// The shard holding `name`.
    public func shard(of name: String) -> (any TensorStore)? {
        location[ExactName(name)].map { shards[$0] }
    }

    public func withBytes<R>(
        of name: String, in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard let k = location[ExactName(name)] else {
            throw SafeTensorsError.unknownTensor(name: name, file: directory)
        }
        return try shards[k].withBytes(of: name, in: range, body)
    }

    public func release(_ name: String, in range: Range<Int>) {
        location[ExactName(name)].map { shards[$0].release(name, in: range) }
    }
}
