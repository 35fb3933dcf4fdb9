import CMergeKernels
import SafeTensors

/// One aligned chunk of every input, as the kernels in `CMergeKernels/merge_kernels.c` read it:
/// `pointers[i]` holds input i's elements `offset ..< offset + count` in the element type
/// `kinds[i]` (`MT_BF16`, `MT_F32` or `MT_F64`). Valid only inside the visiting closure.
public struct RawChunk {
    public let offset: Int
    public let count: Int
    public let inputs: Int
    public let pointers: UnsafePointer<UnsafeRawPointer?>
    public let kinds: UnsafePointer<Int32>

    /// Whether input i's element k (k < count) is finite.
    public func isFinite(input i: Int, element k: Int) -> Bool {
        let p = pointers[i]!
        switch kinds[i] {
        case Int32(MT_BF16):
            let bits = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self))
            return bits & 0x7f80 != 0x7f80
        case Int32(MT_F32): return p.loadUnaligned(fromByteOffset: 4 * k, as: Float.self).isFinite
        default: return p.loadUnaligned(fromByteOffset: 8 * k, as: Double.self).isFinite
        }
    }

    /// Whether every element of input i is finite.
    public func allFinite(input i: Int) -> Bool {
        (0..<count).allSatisfy { isFinite(input: i, element: $0) }
    }
}

/// Streams the same tensor from several stores as aligned chunks: chunk k of every input
/// covers the same elements. The one reading loop under merging and diagnostics.
///
/// bf16, f32 and f64 bytes are lent as they are stored (memory-mapped, no copy: for a mapped
/// file the tensor's place in the mapping is resolved once per call, not per chunk); the other
/// float types (f16, fp8) are decoded into a reusable `Float` buffer per input, which is exact.
/// When `release` is set, the mapped pages behind a chunk are dropped after it has been used.
/// Chunk boundaries are multiples of `chunkElements` counted from the tensor's first element,
/// whatever element range is asked for, so results accumulated per chunk do not depend on how
/// a caller splits a tensor across threads.
///
/// - Complexity: one pass over each input's bytes; O(inputs × chunkElements) memory.
public final class ChunkedInputs {
    /// The one chunk size of merges and `angles` (elements per input and thread: 64 KiB of
    /// bf16, cache-sized). Sums are accumulated per chunk, so it fixes the bits of every Gram
    /// matrix: the statistics pass of SLERP and `angles` use the same value.
    public static let defaultChunkElements = 1 << 15

    public let stores: [any TensorStore]
    public let chunkElements: Int
    private let buffers: [UnsafeMutableBufferPointer<Float>]
    private let pointers: UnsafeMutablePointer<UnsafeRawPointer?>
    private let kinds: UnsafeMutablePointer<Int32>
    /// For a store given twice (the same instance), the index of its first occurrence: its
    /// bytes are lent once (a store may hold a lock while it lends).
    private let firstOccurrence: [Int]

    public init(stores: [any TensorStore], chunkElements: Int = ChunkedInputs.defaultChunkElements)
    {
        precondition(chunkElements > 0)
        self.stores = stores
        self.chunkElements = chunkElements
        buffers = stores.map { _ in .allocate(capacity: chunkElements) }
        pointers = .allocate(capacity: max(1, stores.count))
        kinds = .allocate(capacity: max(1, stores.count))
        firstOccurrence = stores.indices.map { i in
            stores.firstIndex { $0 === stores[i] } ?? i
        }
    }

    deinit {
        for b in buffers { b.deallocate() }
        pointers.deallocate()
        kinds.deallocate()
    }

    /// The kernels' code for `dtype` when they read it directly.
    public static func kernelKind(_ dtype: DType) -> Int32? {
        switch dtype {
        case .bf16: Int32(MT_BF16)
        case .f32: Int32(MT_F32)
        case .f64: Int32(MT_F64)
        default: nil
        }
    }

    /// Calls `body` for consecutive chunks of `elements` (default: all) of tensor `name`.
    /// - Throws: when a store lacks the tensor or its dtype is not a convertible float.
    public func forEachChunk(
        of name: String, elements: Range<Int>? = nil, release: Bool = true,
        _ body: (RawChunk) throws -> Void
    ) throws {
        let infos = try checkedInfos(name)
        guard let count = infos.first?.info.elementCount else { return }
        let range = elements ?? 0..<count
        precondition(
            range.lowerBound >= 0 && range.upperBound <= count, "element range outside \(name)")
        try walk(name, infos: infos, elements: range, release: release) { offset, m in
            try lend(name, infos: infos, offset: offset, count: m, from: 0) {
                try body(
                    RawChunk(
                        offset: offset, count: m, inputs: stores.count,
                        pointers: UnsafePointer(pointers), kinds: UnsafePointer(kinds)))
            }
        }
    }

    /// Lends inputs `i...` of one chunk (nested, so all are valid at once), then calls `body`.
    private func lend(
        _ name: String,
        infos: [InputInfo],
        offset: Int, count m: Int,
        from i: Int, _ body: () throws -> Void
    ) throws {
        guard i < stores.count else { return try body() }
        if firstOccurrence[i] != i {
            pointers[i] = pointers[firstOccurrence[i]]
            kinds[i] = kinds[firstOccurrence[i]]
            return try lend(name, infos: infos, offset: offset, count: m, from: i + 1, body)
        }
        let dtype = infos[i].info.dtype
        let bytes = byteRange(infos[i].size, offset, m)
        if infos[i].mapped, let kind = Self.kernelKind(dtype),
            let raw = infos[i].handle.mappedBytes(bytes)
        {
            pointers[i] = raw.baseAddress
            kinds[i] = kind
            return try lend(name, infos: infos, offset: offset, count: m, from: i + 1, body)
        }
        try stores[i].withBytes(of: name, in: bytes) { raw in
            if let kind = Self.kernelKind(dtype) {
                pointers[i] = raw.baseAddress
                kinds[i] = kind
            } else {
                let out = UnsafeMutableBufferPointer(rebasing: buffers[i][0..<m])
                try FloatConversion.decode(raw, dtype: dtype, into: out)
                pointers[i] = UnsafeRawPointer(out.baseAddress)
                kinds[i] = Int32(MT_F32)
            }
            try lend(name, infos: infos, offset: offset, count: m, from: i + 1, body)
        }
    }

    /// The last tensor's handles: a reader is called once per block of a tensor.
    private var lastInfos: (name: String, infos: [InputInfo])?

    /// One input's view of the current tensor: its handle, element size and whether its bytes
    /// are read in place from a mapping.
    private struct InputInfo {
        let handle: TensorHandle
        let size: Int
        let mapped: Bool
        var info: TensorInfo { handle.info }
    }

    private func checkedInfos(_ name: String) throws -> [InputInfo] {
        if let last = lastInfos, last.name.bytesEqual(name) { return last.infos }
        let infos = try stores.map { store in
            guard let handle = store.handle(name) else {
                throw SafeTensorsError.unknownTensor(name: name, file: store.label)
            }
            let info = handle.info
            guard info.dtype.isConvertibleFloat, let size = info.dtype.byteSize else {
                throw SafeTensorsError.notConvertible(tensor: name, dtype: info.dtype)
            }
            let mapped = handle.mapping != nil && handle.byteRange.count == info.byteCount
            return InputInfo(handle: handle, size: size, mapped: mapped)
        }
        let count = infos.first?.info.elementCount ?? 0
        precondition(
            infos.allSatisfy { $0.info.elementCount == count },
            "shapes were not checked for \(name)")
        lastInfos = (name, infos)
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
        _ name: String,
        infos: [InputInfo],
        elements: Range<Int>, release: Bool,
        _ visit: (_ offset: Int, _ count: Int) throws -> Void
    ) throws {
        var offset = elements.lowerBound
        var pending = offset  // first element not yet released
        while offset < elements.upperBound {
            let boundary = (offset / chunkElements + 1) * chunkElements
            let m = min(boundary, elements.upperBound) - offset
            try visit(offset, m)
            offset += m
            // release in batches of ~16 MiB: one madvise (and TLB shootdown) per batch, not per chunk
            if release,
                offset == elements.upperBound
                    || (offset - pending) * infos[0].size >= Self.releaseBytes
            {
                for (i, store) in stores.enumerated() where firstOccurrence[i] == i {
                    let r = byteRange(infos[i].size, pending, offset - pending)
                    let back = max(0, r.lowerBound - 16_384)..<r.upperBound
                    if infos[i].mapped {
                        infos[i].handle.releaseMapped(back)
                    } else {
                        store.release(name, in: back)
                    }
                }
                pending = offset
            }
        }
    }

    /// Bytes of the first input read between two page releases.
    static let releaseBytes = 16 << 20

    /// Drops the inputs' pages behind a pass's progress through tensor `name`: called by the
    /// coordinating thread between blocks, when no worker reads, with `from` the first element
    /// not yet released and `to` the end of the blocks done (workers read with
    /// `release: false`). Releases once the inputs' bytes in `from..<to` reach
    /// `behindBytes` in total, or at the tensor's end, then sets `from = to`: a few large
    /// `madvise` calls (each a TLB flush of every core running this process) instead of one per
    /// chunk per worker. Mapped inputs drop whole huge pages, keeping the one that holds element
    /// `to − 1` until the tensor's end, so no huge mapping is split; the others ask their store.
    /// - Complexity: O(inputs) per call; resident input pages stay below about `behindBytes`
    ///   plus two huge pages per input beyond what the blocks in flight read.
    public func releaseBehind(_ name: String, from: inout Int, to: Int) throws {
        let infos = try checkedInfos(name)
        guard let count = infos.first?.info.elementCount, to > from else { return }
        let atEnd = to == count
        let bytes = infos.reduce(0) { $0 + $1.size } * (to - from)
        guard atEnd || bytes >= Self.behindBytes else { return }
        for (i, store) in stores.enumerated() where firstOccurrence[i] == i {
            let r = byteRange(infos[i].size, from, to - from)
            if infos[i].mapped {
                infos[i].handle.releaseMappedHugePages(r, throughLast: atEnd)
            } else {
                store.release(name, in: max(0, r.lowerBound - 16_384)..<r.upperBound)
            }
        }
        from = to
    }

    /// The inputs' bytes (summed) read between two releases of `releaseBehind`.
    static let behindBytes = 64 << 20
}
