import SafeTensors

/// Streams the same tensor from several stores as aligned chunks: chunk k of every input
/// covers the same elements. The one reading loop under merging and diagnostics.
///
/// Each chunk is decoded from the input's dtype into a reusable buffer (so memory is
/// `inputs × chunkElements × 4` bytes for `Float`, `× 8` for `Double`, not a tensor), and,
/// when `release` is set, the mapped pages behind it are dropped after the chunk has been
/// used. Chunk boundaries are multiples of `chunkElements` counted from the tensor's first
/// element, whatever element range is asked for, so results accumulated per chunk do not
/// depend on how a caller splits a tensor across threads.
///
/// - Complexity: one pass over each input's bytes; O(inputs × chunkElements) memory.
public final class ChunkedInputs {
    public static let defaultChunkElements = 1 << 16

    public let stores: [any TensorStore]
    public let chunkElements: Int
    private var buffers: [UnsafeMutableBufferPointer<Float>]
    private var doubleBuffers: [UnsafeMutableBufferPointer<Double>] = []

    public init(stores: [any TensorStore], chunkElements: Int = ChunkedInputs.defaultChunkElements)
    {
        precondition(chunkElements > 0)
        self.stores = stores
        self.chunkElements = chunkElements
        buffers = stores.map { _ in .allocate(capacity: chunkElements) }
    }

    deinit {
        for b in buffers { b.deallocate() }
        for b in doubleBuffers { b.deallocate() }
    }

    /// Calls `body(offset, chunks)` for consecutive element ranges of tensor `name`, where
    /// `chunks[i]` holds input i's values for elements `offset ..< offset + chunks[i].count`.
    /// The buffers are reused: copy what must outlive the call.
    /// - Throws: when a store lacks the tensor or its dtype is not a convertible float.
    public func forEachChunk(
        of name: String, release: Bool = true,
        _ body: (_ offset: Int, _ chunks: [UnsafeMutableBufferPointer<Float>]) throws -> Void
    ) throws {
        let infos = try checkedInfos(name)
        guard let count = infos.first?.info.elementCount else { return }
        try walk(name, infos: infos, elements: 0..<count, release: release) { offset, m in
            var views = buffers
            for (i, store) in stores.enumerated() {
                let out = UnsafeMutableBufferPointer(rebasing: buffers[i][0..<m])
                try store.withBytes(of: name, in: byteRange(infos[i].size, offset, m)) {
                    try FloatConversion.decode($0, dtype: infos[i].info.dtype, into: out)
                }
                views[i] = out
            }
            try body(offset, views)
        }
    }

    /// The `Double` twin of `forEachChunk`, restricted to `elements` of the tensor: exact for
    /// every convertible dtype, F64 included. Chunks never straddle a multiple of
    /// `chunkElements`, so the chunks of a split range are the chunks of the whole.
    /// The buffers may be overwritten by `body` (they are refilled for each chunk).
    public func forEachDoubleChunk(
        of name: String, elements: Range<Int>? = nil, release: Bool = true,
        _ body: (_ offset: Int, _ chunks: [UnsafeMutableBufferPointer<Double>]) throws -> Void
    ) throws {
        let infos = try checkedInfos(name)
        guard let count = infos.first?.info.elementCount else { return }
        let range = elements ?? 0..<count
        precondition(
            range.lowerBound >= 0 && range.upperBound <= count, "element range outside \(name)")
        if doubleBuffers.isEmpty {
            doubleBuffers = stores.map { _ in .allocate(capacity: chunkElements) }
        }
        try walk(name, infos: infos, elements: range, release: release) { offset, m in
            var views = doubleBuffers
            for (i, store) in stores.enumerated() {
                let out = UnsafeMutableBufferPointer(rebasing: doubleBuffers[i][0..<m])
                let scratch = UnsafeMutableBufferPointer(rebasing: buffers[i][0..<m])
                try store.withBytes(of: name, in: byteRange(infos[i].size, offset, m)) {
                    try Self.decode($0, dtype: infos[i].info.dtype, into: out, scratch: scratch)
                }
                views[i] = out
            }
            try body(offset, views)
        }
    }

    private func checkedInfos(_ name: String) throws -> [(info: TensorInfo, size: Int)] {
        let infos = try stores.map { store in
            guard let info = store.info(name) else {
                throw SafeTensorsError.unknownTensor(name: name, file: store.label)
            }
            guard info.dtype.isConvertibleFloat, let size = info.dtype.byteSize else {
                throw SafeTensorsError.notConvertible(tensor: name, dtype: info.dtype)
            }
            return (info, size)
        }
        let count = infos.first?.0.elementCount ?? 0
        precondition(
            infos.allSatisfy { $0.0.elementCount == count }, "shapes were not checked for \(name)")
        return infos
    }

    private func byteRange(_ size: Int, _ offset: Int, _ m: Int) -> Range<Int> {
        (offset * size)..<((offset + m) * size)
    }

    /// Visits chunk-aligned pieces of `elements`, then releases their pages. The release range
    /// reaches 16 KiB back so the page shared with the previous chunk (partly outside this
    /// chunk's range, hence kept by `release`) is dropped too: dropping a clean file page that
    /// someone still reads only costs a refault.
    private func walk(
        _ name: String, infos: [(info: TensorInfo, size: Int)], elements: Range<Int>, release: Bool,
        _ visit: (_ offset: Int, _ count: Int) throws -> Void
    ) throws {
        var offset = elements.lowerBound
        var pending = offset  // first element not yet released
        while offset < elements.upperBound {
            let boundary = (offset / chunkElements + 1) * chunkElements
            let m = min(boundary, elements.upperBound) - offset
            try visit(offset, m)
            offset += m
            // release in batches of ~4 MiB: one madvise (and TLB shootdown) per batch, not per chunk
            if release,
                offset == elements.upperBound
                    || (offset - pending) * infos[0].size >= Self.releaseBytes
            {
                for (i, store) in stores.enumerated() {
                    let r = byteRange(infos[i].size, pending, offset - pending)
                    store.release(name, in: max(0, r.lowerBound - 16_384)..<r.upperBound)
                }
                pending = offset
            }
        }
    }

    /// Bytes of the first input read between two page releases.
    static let releaseBytes = 4 << 20

    /// Decodes into `Double` without allocating: bf16/f32/f64 directly, other types through
    /// the `Float` scratch buffer (widening is exact).
    static func decode(
        _ raw: UnsafeRawBufferPointer, dtype: DType, into out: UnsafeMutableBufferPointer<Double>,
        scratch: UnsafeMutableBufferPointer<Float>
    ) throws {
        guard let src = raw.baseAddress, let dst = out.baseAddress else { return }
        let n = out.count
        switch dtype {
        case .bf16:
            // two simple loops (bf16 → Float bits, Float → Double) that vectorise
            let f = scratch.baseAddress!
            let bits = UnsafeMutableRawPointer(f).assumingMemoryBound(to: UInt32.self)
            for i in 0..<n {
                bits[i] =
                    UInt32(
                        UInt16(
                            littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    ) << 16
            }
            for i in 0..<n { dst[i] = Double(f[i]) }
        case .f32:
            for i in 0..<n {
                dst[i] = Double(src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self))
            }
        case .f64:
            for i in 0..<n { dst[i] = src.loadUnaligned(fromByteOffset: 8 * i, as: Double.self) }
        default:
            let s = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
            try FloatConversion.decode(raw, dtype: dtype, into: s)
            for i in 0..<n { dst[i] = Double(s[i]) }
        }
    }
}
