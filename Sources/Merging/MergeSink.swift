import SafeTensors

/// Where one output of a merge goes: a checkpoint writer or a set of tensors in memory.
///
/// Contract: the engine sends the tensors of `MergeLayout.outputTensors` in that order, each
/// either as `append` calls whose byte counts add up to the tensor's `byteCount`, or as one
/// `copy` (unchanged from an input). Then `finish`, or `abort` on any error.
public protocol MergeSink: AnyObject {
    func append(_ bytes: UnsafeRawBufferPointer) throws
    func copy(_ name: String, from store: any TensorStore) throws
    func finish() throws
    func abort()
}

/// A sink that fills an `InMemoryStore` (the trainer's merges: no files).
public final class InMemorySink: MergeSink {
    public let store: InMemoryStore
    private let tensors: [TensorInfo]
    private var index = 0
    private var pending: [UInt8] = []

    /// - Parameters:
    ///   - store: receives the tensors; tensors it already holds are replaced.
    ///   - tensors: the layout's `outputTensors`.
    public init(store: InMemoryStore, tensors: [TensorInfo]) {
        self.store = store
        self.tensors = tensors
        skipEmpty()
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard index < tensors.count else {
            throw SafeTensorsError.writerMisuse(
                file: store.label, reason: "bytes after the last tensor")
        }
        let info = tensors[index]
        if pending.isEmpty { pending.reserveCapacity(info.byteCount) }
        guard pending.count + bytes.count <= info.byteCount else {
            throw SafeTensorsError.writerMisuse(
                file: store.label,
                reason: "tensor '\(info.name)' got more than \(info.byteCount) bytes")
        }
        pending.append(contentsOf: bytes)
        if pending.count == info.byteCount {
            store.set(info, bytes: pending)
            pending = []
            index += 1
            skipEmpty()
        }
    }

    public func copy(_ name: String, from source: any TensorStore) throws {
        guard index < tensors.count, tensors[index].name.bytesEqual(name) else {
            throw SafeTensorsError.writerMisuse(
                file: store.label, reason: "unexpected copy of '\(name)'")
        }
        store.set(tensors[index], bytes: try source.bytes(of: name))
        index += 1
        skipEmpty()
    }

    public func finish() throws {
        if index < tensors.count {
            throw SafeTensorsError.writerMisuse(
                file: store.label, reason: "finished before tensor '\(tensors[index].name)'")
        }
    }

    public func abort() {}

    private func skipEmpty() {
        while index < tensors.count, tensors[index].byteCount == 0 {
            store.set(tensors[index], bytes: [])
            index += 1
        }
    }
}

/// A sink writing one plain `.safetensors` file through `SafeTensorsWriter`.
public final class SafeTensorsSink: MergeSink {
    public let writer: SafeTensorsWriter

    public init(path: String, tensors: [TensorInfo], metadata: [(key: String, value: String)] = [])
        throws
    {
        writer = try SafeTensorsWriter(path: path, tensors: tensors, metadata: metadata)
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws { try writer.append(bytes) }
    public func copy(_ name: String, from store: any TensorStore) throws {
        try writer.copy(name, from: store, chunkBytes: 8 << 20)
    }
    public func finish() throws { try writer.finish() }
    public func abort() { writer.abort() }
}

/// A checkpoint (file, directory or sharded directory) as a merge output.
extension CheckpointWriter: MergeSink {}
