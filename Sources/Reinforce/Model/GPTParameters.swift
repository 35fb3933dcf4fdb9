import SafeTensors

/// A GPT's parameters lent as a `TensorStore`, in place: the merge engine, the angle
/// diagnostics and the checkpoint writer read the model's own `Float` buffer, with no copy.
///
/// Tensors are the `ParameterLayout` entries (Hugging Face GPT-2 names and shapes, storage
/// order), all F32 little-endian, which is the buffer's own representation on the platforms
/// we build for (x86-64, arm64). The store is random access and `reopen()` returns itself.
///
/// Contract: the bytes are the live parameters. Nobody may train or otherwise write the model
/// while a reader holds the store (the WARP loop merges after its runs finish).
/// - Complexity: O(1) to make (the tensor list is built once, O(tensors)); reads are pointer
///   arithmetic.
public final class GPTParameters: TensorStore, @unchecked Sendable {
    /// The model whose buffer is lent; kept alive by the store.
    public let model: GPT
    public let label: String
    public let metadata: [String: String]
    public let tensors: [TensorInfo]

    /// - Parameters:
    ///   - model: the model lent; not copied.
    ///   - label: the name in messages (e.g. `iteration-1/run-2`).
    ///   - metadata: the `__metadata__` a checkpoint written from this store carries.
    public init(
        _ model: GPT, label: String = "<gpt>", metadata: [String: String] = ["format": "pt"]
    ) {
        self.model = model
        self.label = label
        self.metadata = metadata
        tensors = model.layout.entries.map {
            TensorInfo(name: $0.name, dtype: .f32, shape: $0.shape)
        }
    }

    public var access: StoreAccess { .randomAccess }

    /// Itself: memory is read at any offset by any number of threads.
    public func reopen() throws -> any TensorStore { self }

    /// The layout entry named exactly `name` (bytes compared), or nil.
    func entry(_ name: String) -> ParameterLayout.Entry? {
        guard let e = model.layout.entry(name), e.name.bytesEqual(name) else { return nil }
        return e
    }

    public func info(_ name: String) -> TensorInfo? {
        entry(name).map { TensorInfo(name: $0.name, dtype: .f32, shape: $0.shape) }
    }

    public func handle(_ name: String) -> TensorHandle? {
        info(name).map { TensorHandle(info: $0, file: label, byteRange: 0..<$0.byteCount) }
    }

    /// Lends bytes `range` of tensor `name` straight from the model's buffer.
    /// - Throws: `SafeTensorsError.unknownTensor`, `.rangeOutOfBounds`.
    public func withBytes<R>(
        of name: String, in range: Range<Int>,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard let e = entry(name) else {
            throw SafeTensorsError.unknownTensor(name: name, file: label)
        }
        let size = e.count * MemoryLayout<Float>.size
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw SafeTensorsError.rangeOutOfBounds(
                tensor: name, file: label, begin: range.lowerBound, end: range.upperBound,
                size: size)
        }
        let base = UnsafeRawPointer(model.parameters.pointer + e.offset)
        return try body(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }
}

extension GPT {
    /// The parameters as a `TensorStore` without copying them (`GPTParameters`).
    public func store(
        label: String = "<gpt>", metadata: [String: String] = ["format": "pt"]
    ) -> GPTParameters {
        GPTParameters(self, label: label, metadata: metadata)
    }
}
