import Foundation
import SafeTensors

/// Parameters copied into a `TensorStore` and read back from any store (the zero-copy view of
/// the parameters is `GPTParameters`).
extension GPT {
    /// A copy of the parameters as F32 tensors with Hugging Face GPT-2 names, in storage order
    /// (`ParameterLayout`). `metadata` is copied into the store (e.g. `format: pt`). To read
    /// the parameters without copying them (merges, checkpoints), use `store(label:)`.
    /// - Complexity: one copy of the parameters.
    public func parametersStore(
        label: String = "<gpt>",
        metadata: [String: String] = ["format": "pt"]
    ) -> InMemoryStore {
        let store = InMemoryStore(label: label, metadata: metadata)
        for e in layout.entries {
            let values = Array(
                UnsafeBufferPointer(
                    start: parameters.pointer + e.offset,
                    count: e.count))
            store.set(e.name, shape: e.shape, floats: values, dtype: .f32)
        }
        return store
    }

    /// A model whose parameters are read from `store` (any float dtype, converted to F32).
    /// - Throws: `ReinforceError.invalidConfig`, `.missingTensor`, `.unexpectedTensor`,
    ///   `.shapeMismatch`, `.notFloat`, or the store's own read errors.
    public convenience init(config: GPTConfig, store: any TensorStore) throws {
        try config.validate()
        let count = ParameterLayout(config: config).count
        self.init(config: config, values: try FloatBuffer(checkedCount: count))
        try load(from: store)
    }

    /// Replaces every parameter with the tensor of the same name in `store`.
    ///
    /// Every layout tensor must be present with the same shape; a store tensor the model does
    /// not have is an error too, except `lm_head.weight` (tied to `wte`, ignored) and the
    /// `attn.bias` / `attn.masked_bias` buffers older GPT-2 exports carry. A `transformer.`
    /// prefix (GPT2LMHeadModel exports) is accepted. Nothing is changed when it throws.
    /// - Complexity: one pass over the store's tensors; a staging copy of the parameters.
    public func load(from store: any TensorStore) throws {
        var byName: [String: TensorInfo] = [:]
        for info in store.tensors {
            var name = info.name
            if name.hasPrefix("transformer.") { name.removeFirst("transformer.".count) }
            if layout.entry(name) == nil {
                if name == "lm_head.weight" || name.hasSuffix(".attn.bias")
                    || name.hasSuffix(".attn.masked_bias")
                {
                    continue
                }
                throw ReinforceError.unexpectedTensor(name: info.name, store: store.label)
            }
            byName[name] = info
        }
        let staging = try FloatBuffer(checkedCount: layout.count)
        for e in layout.entries {
            guard let info = byName[e.name] else {
                throw ReinforceError.missingTensor(name: e.name, store: store.label)
            }
            guard info.shape == e.shape else {
                throw ReinforceError.shapeMismatch(
                    name: e.name, expected: e.shape, found: info.shape)
            }
            guard info.dtype.isConvertibleFloat else {
                throw ReinforceError.notFloat(name: info.name, dtype: info.dtype.rawValue)
            }
            let values = try store.floats(of: info.name)
            values.withUnsafeBufferPointer {
                (staging.pointer + e.offset).update(from: $0.baseAddress!, count: e.count)
            }
        }
        parameters.copy(from: staging)
    }
}
