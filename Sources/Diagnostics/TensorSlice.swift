import SafeTensors

/// A store that shows one element range of one tensor of another store as a whole flat tensor
/// of the same name, so a large tensor can be cut into fixed work pieces that `ChunkedInputs`
/// reads independently (on different threads) without copying.
///
/// The pieces of a tensor depend only on its size and `pieceElements`, never on the number of
/// threads, so results summed piece by piece in order are the same for any thread count.
///
/// When the tensor lives in a memory-mapped file (a `SafeTensorsFile`, alone or as a shard),
/// its file offset is resolved once here and bytes are lent straight from the mapping, so the
/// per-chunk calls skip the store's name lookup (hashing a long name per chunk and input was
/// ~10% of a run).
///
/// - Complexity: O(1) per call; bytes are lent without copying.
final class TensorSlice: TensorStore, @unchecked Sendable {
    let base: any TensorStore
    let name: String
    let byteOffset: Int
    let tensors: [TensorInfo]
    /// The mapping and the file offset of the slice's first byte, when mapped.
    private let mapped: (map: MappedFile, offset: Int)?
    /// Released ranges not yet handed on (slice-relative): page releases are batched to
    /// `releaseBatch` bytes, since each one flushes TLBs (per 128 KiB chunk that was ~8% of
    /// a run). Resident memory grows by at most one batch per input.
    private var pending: Range<Int>?
    static let releaseBatch = 4 << 20

    var label: String { base.label }
    var metadata: [String: String] { [:] }

    /// - Parameters:
    ///   - info: the tensor's info in `base` (a byte-addressable dtype).
    ///   - elements: the element range shown.
    init(_ base: any TensorStore, info: TensorInfo, elements: Range<Int>) {
        let size = info.dtype.byteSize ?? 1
        precondition(elements.lowerBound >= 0 && elements.upperBound <= info.elementCount)
        self.base = base
        name = info.name
        byteOffset = elements.lowerBound * size
        tensors = [TensorInfo(name: info.name, dtype: info.dtype, shape: [elements.count])]
        if let (map, range) = base.mapping(of: info.name), range.count == info.byteCount {
            mapped = (map, range.lowerBound + elements.lowerBound * size)
        } else {
            mapped = nil
        }
    }

    deinit {
        if let p = pending { releaseNow(p) }
    }

    func withBytes<R>(
        of name: String, in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard name.bytesEqual(self.name), range.lowerBound >= 0,
            range.upperBound <= tensors[0].byteCount
        else {
            throw SafeTensorsError.rangeOutOfBounds(
                tensor: name, file: label, begin: range.lowerBound, end: range.upperBound,
                size: tensors[0].byteCount)
        }
        if let (map, offset) = mapped {
            let lo = offset + range.lowerBound
            return try body(UnsafeRawBufferPointer(rebasing: map.bytes[lo..<(lo + range.count)]))
        }
        let shifted = (range.lowerBound + byteOffset)..<(range.upperBound + byteOffset)
        return try base.withBytes(of: name, in: shifted, body)
    }

    func release(_ name: String, in range: Range<Int>) {
        let lo = max(0, range.lowerBound), hi = min(range.upperBound, tensors[0].byteCount)
        guard hi > lo else { return }
        let merged = pending.map { min($0.lowerBound, lo)..<max($0.upperBound, hi) } ?? lo..<hi
        guard merged.count >= Self.releaseBatch || hi == tensors[0].byteCount else {
            pending = merged
            return
        }
        pending = nil
        releaseNow(merged)
    }

    private func releaseNow(_ range: Range<Int>) {
        let lo = range.lowerBound, hi = range.upperBound
        if let (map, offset) = mapped {
            map.release((offset + lo)..<(offset + hi))
        } else {
            base.release(name, in: (lo + byteOffset)..<(hi + byteOffset))
        }
    }
}

/// One unit of work of an angle analysis: an element range of one tensor.
struct WorkPiece: Sendable {
    /// Index of the tensor in the analysis' tensor list.
    var tensor: Int
    var elements: Range<Int>

    /// Cuts tensors into pieces of at most `pieceElements` elements, in tensor order.
    static func pieces(of tensors: [TensorInfo], pieceElements: Int) -> [WorkPiece] {
        precondition(pieceElements > 0)
        var out: [WorkPiece] = []
        for (t, info) in tensors.enumerated() {
            let n = info.elementCount
            var lo = 0
            while lo < n {
                let hi = min(n, lo + pieceElements)
                out.append(WorkPiece(tensor: t, elements: lo..<hi))
                lo = hi
            }
        }
        return out
    }
}
