import SafeTensors

/// Streams the same tensor from several stores as aligned `Float` chunks: chunk k of every
/// input covers the same elements. The one reading loop under merging and diagnostics.
///
/// Each chunk is decoded from the input's dtype into a reusable buffer (so memory is
/// `inputs × chunkElements × 4` bytes, not a tensor), and, when `release` is set, the mapped
/// pages behind it are dropped after the chunk has been used.
///
/// - Complexity: one pass over each input's bytes; O(inputs × chunkElements) memory.
public final class ChunkedInputs {
    public static let defaultChunkElements = 1 << 16

    public let stores: [any TensorStore]
    public let chunkElements: Int
    private var buffers: [UnsafeMutableBufferPointer<Float>]

    public init(stores: [any TensorStore], chunkElements: Int = ChunkedInputs.defaultChunkElements) {
        precondition(chunkElements > 0)
        self.stores = stores
        self.chunkElements = chunkElements
        buffers = stores.map { _ in .allocate(capacity: chunkElements) }
    }

    deinit { for b in buffers { b.deallocate() } }

    /// Calls `body(offset, chunks)` for consecutive element ranges of tensor `name`, where
    /// `chunks[i]` holds input i's values for elements `offset ..< offset + chunks[i].count`.
    /// The buffers are reused: copy what must outlive the call.
    /// - Throws: when a store lacks the tensor or its dtype is not a convertible float.
    public func forEachChunk(
        of name: String, release: Bool = true,
        _ body: (_ offset: Int, _ chunks: [UnsafeMutableBufferPointer<Float>]) throws -> Void
    ) throws {
        let infos = try stores.map { store in
            guard let info = store.info(name) else {
                throw SafeTensorsError.unknownTensor(name: name, file: store.label)
            }
            guard info.dtype.isConvertibleFloat, let size = info.dtype.byteSize else {
                throw SafeTensorsError.notConvertible(tensor: name, dtype: info.dtype)
            }
            return (info, size)
        }
        guard let count = infos.first?.0.elementCount else { return }
        precondition(infos.allSatisfy { $0.0.elementCount == count }, "shapes were not checked for \(name)")
        var offset = 0
        var views = buffers
        while offset < count {
            let m = min(chunkElements, count - offset)
            for (i, store) in stores.enumerated() {
                let size = infos[i].1
                let range = (offset * size)..<((offset + m) * size)
                let out = UnsafeMutableBufferPointer(rebasing: buffers[i][0..<m])
                try store.withBytes(of: name, in: range) {
                    try FloatConversion.decode($0, dtype: infos[i].0.dtype, into: out)
                }
                views[i] = out
            }
            try body(offset, views)
            if release {
                for (i, store) in stores.enumerated() {
                    let size = infos[i].1
                    store.release(name, in: (offset * size)..<((offset + m) * size))
                }
            }
            offset += m
        }
    }
}
