import CMergeKernels
import Dispatch
import SafeTensors

/// The statistics pass shared by SLERP and `angles`: the `PairSums` of a tensor, computed by
/// one deterministic schedule so that both report the same numbers to the last bit.
///
/// Schedule: a tensor is cut into chunks of `chunkElements` elements counted from its first
/// element (`ChunkedInputs`); chunks are taken `chunksPerBlock` at a time, a block's chunks
/// are split across the threads by whole chunks (thread p of P takes chunks
/// `⌊p·n/P⌋ ..< ⌊(p+1)·n/P⌋`), every chunk's sums start from zero, and the per-chunk sums are
/// added into the tensor's sums in chunk order. The bits therefore depend only on the chunk
/// size, never on the number of threads. A group's sums are its tensors' sums added in
/// storage order (the caller does that).
///
/// One thread reads when any input is a forward stream (zstd): splitting a tensor would seek
/// back. A non-finite result means an input holds NaN/Inf: the tensor is read again, one input
/// at a time, to name the first file that does.
///
/// - Complexity: one read of each input's bytes of the tensor; O(M² · n) flops; memory is
///   one chunk reader per thread plus `chunksPerBlock · 3M²` doubles.
public final class GramPass {
    /// Chunks per block: the unit split across threads (the merge's write pass uses it too).
    public static let chunksPerBlock = 32

    /// Which sums a pass accumulates.
    public struct Sums: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `δ_i·δ_j` (needs a base).
        public static let task = Sums(rawValue: UInt32(MT_SUM_TASK))
        /// `θ_i·θ_j`.
        public static let weight = Sums(rawValue: UInt32(MT_SUM_WEIGHT))
        /// `‖θ_i − θ_j‖²`.
        public static let distance = Sums(rawValue: UInt32(MT_SUM_DISTANCE))
        public static let all: Sums = [.task, .weight, .distance]
    }

    public let stores: [any TensorStore]
    public let models: Int
    public let hasBase: Bool
    public let sums: Sums
    public let chunkElements: Int
    private let readers: Readers

    /// - Parameters:
    ///   - stores: the base first when `hasBase`, then the M models.
    ///   - threads: worker threads (1 when an input is a forward stream).
    ///   - sums: what to accumulate (SLERP needs `.task` only).
    public init(
        stores: [any TensorStore], hasBase: Bool, threads: Int, sums: Sums = .all,
        chunkElements: Int = ChunkedInputs.defaultChunkElements
    ) {
        precondition(stores.count > (hasBase ? 1 : 0))
        self.stores = stores
        self.hasBase = hasBase
        models = stores.count - (hasBase ? 1 : 0)
        self.sums = sums
        self.chunkElements = chunkElements
        let streaming = stores.contains { $0.access == .forwardStream }
        let n = streaming ? 1 : max(1, threads)
        readers = Readers(
            all: (0..<n).map { _ in ChunkedInputs(stores: stores, chunkElements: chunkElements) })
    }

    /// The worker threads this pass uses.
    public var threads: Int { readers.all.count }

    /// The symmetric sums of tensor `tensor` (all its elements).
    /// - Parameter progress: called on the calling thread after each block with its element
    ///   count.
    /// - Throws: `MergeError.nonFinite` naming the tensor and the first file holding NaN/Inf;
    ///   store errors as they come.
    public func sums(
        of tensor: TensorInfo, progress: ((Int) -> Void)? = nil
    ) throws -> PairSums {
        let n = tensor.elementCount
        let mm = models * models
        let block = chunkElements * Self.chunksPerBlock
        var total = PairSums(models: models, hasBase: hasBase)
        let partials = PartialSums(capacity: Self.chunksPerBlock * mm)
        var start = 0
        var released = 0
        while start < n {
            let end = min(n, start + block)
            let chunks = (end - start + chunkElements - 1) / chunkElements
            partials.zero(chunks * mm)
            let parts = max(1, min(readers.all.count, chunks))
            let (lo0, chunk, readers, what) = (start, chunkElements, readers, sums.rawValue)
            let (m, base) = (models, hasBase ? Int32(1) : 0)
            try runParts(parts) { p in
                let lo = lo0 + (p * chunks / parts) * chunk
                let hi = min(end, lo0 + ((p + 1) * chunks / parts) * chunk)
                try readers.all[p].forEachChunk(
                    of: tensor.name, elements: lo..<hi, release: false
                ) { c in
                    let at = ((c.offset - lo0) / chunk) * mm
                    mt_pair_sums(
                        c.pointers, c.kinds, m, base, c.count, what, partials.task + at,
                        partials.weight + at, partials.distance + at)
                }
            }
            for ci in 0..<chunks {
                for k in 0..<mm {
                    total.task[k] += partials.task[ci * mm + k]
                    total.weight[k] += partials.weight[ci * mm + k]
                    total.distance[k] += partials.distance[ci * mm + k]
                }
            }
            try readers.all[0].releaseBehind(tensor.name, from: &released, to: end)
            progress?(end - start)
            start = end
        }
        total.symmetrise()
        if !total.isFinite {
            try Self.throwNonFinite(tensor.name, stores: stores, chunkElements: chunkElements)
        }
        return total
    }

    /// Names the first of `stores` whose tensor `name` holds NaN/Inf; when none does (the
    /// values are finite but their sums of squares overflow), names the tensor and that.
    /// - Throws: always `MergeError.nonFinite`.
    public static func throwNonFinite(
        _ name: String, stores: [any TensorStore], chunkElements: Int
    ) throws {
        for store in stores {
            var bad = false
            try ChunkedInputs(stores: [store], chunkElements: chunkElements).forEachChunk(
                of: name
            ) { if !bad, !$0.allFinite(input: 0) { bad = true } }
            if bad { throw MergeError.nonFinite(tensor: name, file: store.file(of: name)) }
        }
        throw MergeError.nonFinite(
            tensor: name + " (its sums of squares overflow)", file: stores[0].file(of: name))
    }
}

/// One chunk reader per worker thread; worker p uses only `all[p]`.
private struct Readers: @unchecked Sendable {
    let all: [ChunkedInputs]
}

/// Per-chunk partial sums of one block; each thread writes disjoint chunks.
private final class PartialSums: @unchecked Sendable {
    let task: UnsafeMutablePointer<Double>
    let weight: UnsafeMutablePointer<Double>
    let distance: UnsafeMutablePointer<Double>

    init(capacity: Int) {
        task = .allocate(capacity: capacity)
        weight = .allocate(capacity: capacity)
        distance = .allocate(capacity: capacity)
    }

    func zero(_ count: Int) {
        task.initialize(repeating: 0, count: count)
        weight.initialize(repeating: 0, count: count)
        distance.initialize(repeating: 0, count: count)
    }

    deinit {
        task.deallocate()
        weight.deallocate()
        distance.deallocate()
    }
}
