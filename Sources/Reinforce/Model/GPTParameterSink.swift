import Merging
import SafeTensors

/// A merge output written straight into a GPT's parameter buffer (the WARP loop's merges: no
/// `InMemoryStore`, no second copy of the weights).
///
/// The engine's F32 output bytes are the buffer's representation, so `append` is a `memcpy` to
/// the tensor's place in `ParameterLayout`; a copied tensor is decoded from its store. The
/// result is bit-identical to merging into an `InMemoryStore` and loading it with
/// `GPT.load(from:)`.
///
/// Contract (`MergeSink`): the tensors arrive in `tensors` order. On `abort` the model holds a
/// partial merge; callers merge into a fresh model and drop it on error.
/// - Complexity: O(1) memory beyond the model; one pass over the output bytes.
public final class GPTParameterSink: MergeSink {
    /// The model written.
    public let model: GPT
    private let entries: [ParameterLayout.Entry]
    private var index = 0
    private var written = 0

    /// - Parameters:
    ///   - model: receives the merge; its previous values are overwritten tensor by tensor.
    ///   - tensors: the layout's `outputTensors`: every parameter of `model` once, as F32.
    /// - Throws: `ReinforceError.unexpectedTensor` for a tensor the model lacks,
    ///   `.missingTensor` for a parameter not among `tensors`, `.shapeMismatch`, and
    ///   `.invalidOption` for an output dtype other than F32.
    public init(model: GPT, tensors: [TensorInfo]) throws {
        self.model = model
        let label = "merge into model"
        var entries: [ParameterLayout.Entry] = []
        var seen = Set<String>()
        for t in tensors {
            guard let e = model.layout.entry(t.name), e.name.bytesEqual(t.name),
                seen.insert(e.name).inserted
            else { throw ReinforceError.unexpectedTensor(name: t.name, store: label) }
            guard t.shape == e.shape else {
                throw ReinforceError.shapeMismatch(name: t.name, expected: e.shape, found: t.shape)
            }
            guard t.dtype == .f32 else {
                throw ReinforceError.invalidOption(
                    name: "merge output dtype",
                    reason: "tensor '\(t.name)' is \(t.dtype.rawValue), the model holds F32")
            }
            entries.append(e)
        }
        for e in model.layout.entries where !seen.contains(e.name) {
            throw ReinforceError.missingTensor(name: e.name, store: label)
        }
        self.entries = entries
        skipEmpty()
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        while !rest.isEmpty {
            guard index < entries.count else {
                throw SafeTensorsError.writerMisuse(
                    file: "merge into model", reason: "bytes after the last tensor")
            }
            let e = entries[index]
            let size = e.count * MemoryLayout<Float>.size
            let n = min(rest.count, size - written)
            let target = UnsafeMutableRawPointer(model.parameters.pointer + e.offset) + written
            target.copyMemory(from: rest.baseAddress!, byteCount: n)
            written += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            if written == size { next() }
        }
    }

    public func copy(_ name: String, from store: any TensorStore) throws {
        guard index < entries.count, written == 0, entries[index].name.bytesEqual(name),
            let info = store.info(name)
        else {
            throw SafeTensorsError.writerMisuse(
                file: "merge into model", reason: "unexpected copy of '\(name)'")
        }
        let e = entries[index]
        try store.withBytes(of: name) { raw in
            try FloatConversion.decode(
                raw, dtype: info.dtype,
                into: UnsafeMutableBufferPointer(
                    start: model.parameters.pointer + e.offset, count: e.count))
        }
        next()
    }

    public func finish() throws {
        if index < entries.count {
            throw SafeTensorsError.writerMisuse(
                file: "merge into model",
                reason: "finished before tensor '\(entries[index].name)'")
        }
    }

    public func abort() {}

    private func next() {
        index += 1
        written = 0
        skipEmpty()
    }

    /// Zero-element tensors get no bytes from the engine.
    private func skipEmpty() {
        while index < entries.count, entries[index].count == 0 { index += 1 }
    }
}
