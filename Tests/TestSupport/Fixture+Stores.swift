import SafeTensors

/// In-memory stores with deterministic contents.
extension Fixture {
    /// A store with a few tensors of mixed dtypes (deterministic bytes).
    public static func sampleStore(count: Int = 4, elements: Int = 10) -> InMemoryStore {
        let store = InMemoryStore(label: "sample", metadata: ["format": "pt", "note": "x"])
        let dtypes: [DType] = [.bf16, .f32, .f16, .i64, .u8, .bool]
        for i in 0..<count {
            let d = dtypes[i % dtypes.count]
            let info = TensorInfo(name: "layer.\(i).weight", dtype: d, shape: [elements])
            let bytes = (0..<info.byteCount).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7) }
            store.set(info, bytes: d == .bool ? bytes.map { $0 & 1 } : bytes)
        }
        return store
    }

    /// The command tests' small checkpoint: two bf16 tensors, one i64 scalar, `format=pt`.
    public static func smallStore() -> InMemoryStore {
        let s = InMemoryStore(label: "fixture", metadata: ["format": "pt"])
        s.set(
            "model.embed.weight", shape: [2, 3], floats: [1, -2, 0.5, 3, 1e-3, -0.0], dtype: .bf16)
        s.set("model.norm.weight", shape: [3], floats: [1, 1, 1.25], dtype: .bf16)
        s.set(TensorInfo(name: "step", dtype: .i64, shape: []), bytes: [7, 0, 0, 0, 0, 0, 0, 0])
        return s
    }

    /// `tensors` bf16 tensors `layer.i.weight` of `elements` values each, drawn from `rng` on a
    /// grid of 1/1000 (pseudo-random enough that zstd cannot shrink them much).
    public static func randomBF16Store(
        label: String, tensors: Int, elements: Int, rng: inout SplitMix64
    ) -> InMemoryStore {
        let s = InMemoryStore(label: label, metadata: ["format": "pt"])
        for t in 0..<tensors {
            let values = (0..<elements).map { _ in rng.milli() }
            s.set("layer.\(t).weight", shape: [elements], floats: values, dtype: .bf16)
        }
        return s
    }

    /// Whether two stores hold the same tensors (names by bytes, order, dtype, shape, bytes).
    public static func sameTensors(_ a: any TensorStore, _ b: any TensorStore) throws -> Bool {
        guard a.tensors.count == b.tensors.count else { return false }
        for (x, y) in zip(a.tensors, b.tensors) {
            guard x.name.bytesEqual(y.name), x.dtype == y.dtype, x.shape == y.shape else {
                return false
            }
            guard try a.bytes(of: x.name) == b.bytes(of: y.name) else { return false }
        }
        return true
    }

    /// Name → bytes of every tensor of the checkpoint at `path` (any layout).
    public static func tensorBytes(_ path: String) throws -> [String: [UInt8]] {
        let store = try Checkpoint.open(path)
        var out: [String: [UInt8]] = [:]
        for t in store.tensors { out[t.name] = try store.bytes(of: t.name) }
        return out
    }
}
