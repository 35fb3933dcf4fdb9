import Foundation
import SafeTensors

/// Checkpoints on disk, written through the library's writers.
extension Fixture {
    /// Writes every tensor of `store` through a `CheckpointWriter` at `path` (the layout the
    /// path names), with the store's metadata sorted by key.
    @discardableResult
    public static func writeCheckpoint(
        _ store: any TensorStore, to path: String, shardSize: Int? = nil,
        auxiliaryFrom: String? = nil, compressShards: Bool = false
    ) throws -> CheckpointWriter {
        let w = try CheckpointWriter(
            path: path, tensors: store.tensors,
            metadata: store.metadata.sorted { $0.key < $1.key }.map {
                (key: $0.key, value: $0.value)
            },
            shardSize: shardSize, auxiliaryFrom: auxiliaryFrom, compressShards: compressShards)
        for t in store.tensors { try w.copy(t.name, from: store) }
        try w.finish()
        return w
    }

    /// Writes `store` as one `.safetensors` file `dir/name` and returns its path.
    @discardableResult
    public static func writeSafetensors(
        _ store: any TensorStore, in dir: String, name: String
    ) throws -> String {
        let path = dir + "/" + name
        let writer = try SafeTensorsWriter(path: path, tensors: store.tensors)
        while let t = writer.currentTensor { try writer.copy(t.name, from: store) }
        try writer.finish()
        return path
    }

    /// A tiny Llama-shaped bf16 family as Hugging Face directories `dir/base`, `dir/ft1`,
    /// `dir/ft2` (each with a `config.json`), plus an i64 `position_ids` tensor in each;
    /// fine-tunes are base + 0.05·noise.
    public static func mergeFamily(in dir: String, shardSize: Int? = nil) throws {
        var rng = SplitMix64(seed: 42)
        let shapes: [(String, [Int])] = [
            ("model.embed_tokens.weight", [10, 8]), ("model.layers.0.mlp.up_proj.weight", [16, 8]),
            ("model.layers.0.input_layernorm.weight", [8]),
            ("model.layers.1.mlp.up_proj.weight", [16, 8]),
            ("model.norm.weight", [8]),
        ]
        let base = shapes.map { s in (s.0, s.1, (0..<s.1.reduce(1, *)).map { _ in rng.milli() }) }
        for (k, name) in ["base", "ft1", "ft2"].enumerated() {
            let store = InMemoryStore(metadata: ["format": "pt"])
            for (n, shape, v) in base {
                let values = k == 0 ? v : v.map { $0 + 0.05 * rng.milli() }
                store.set(n, shape: shape, floats: values, dtype: .bf16)
            }
            store.set(
                TensorInfo(name: "position_ids", dtype: .i64, shape: [2]),
                bytes: [UInt8](repeating: 3, count: 16))
            let path = dir + "/" + name
            try writeCheckpoint(store, to: path, shardSize: shardSize)
            write("{\"k\":1}", to: path + "/config.json")
        }
    }
}
