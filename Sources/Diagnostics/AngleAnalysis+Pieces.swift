import Dispatch
import Foundation
import Merging
import SafeTensors

/// Mutable state shared by the worker threads, guarded by `lock`.
private final class WorkQueue: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [PairSums?]
    var failure: (piece: Int, error: any Error)?
    var progress: AngleProgress

    init(count: Int, bytesTotal: Int) {
        results = Array(repeating: nil, count: count)
        progress = AngleProgress(
            bytesDone: 0, bytesTotal: bytesTotal, piecesDone: 0, piecesTotal: count)
    }
}

/// The stores handed to the worker threads (stores are `Sendable`; the array is read only).
private struct StoreList: @unchecked Sendable { let stores: [any TensorStore] }

extension AngleAnalysis {
    /// Computes every piece's Gram matrices on `threads` workers that take pieces in order
    /// (one worker when an input is a zstd stream, which is only fast read front to back).
    /// - Throws: the failure of the lowest-numbered failing piece.
    func computePieces(
        _ pieces: [WorkPiece], family: FamilyCheck, stores: [any TensorStore], hasInit: Bool,
        progress: (@Sendable (AngleProgress) -> Void)?
    ) throws -> [PairSums] {
        let pieceBytes = pieces.map { piece in
            piece.elements.count
                * family.inputInfos[piece.tensor].reduce(0) { $0 + ($1.dtype.byteSize ?? 0) }
        }
        let queue = WorkQueue(count: pieces.count, bytesTotal: pieceBytes.reduce(0, +))
        let list = StoreList(stores: stores)
        let models = stores.count - (hasInit ? 1 : 0)
        let streaming = stores.contains { $0.access == .forwardStream }
        let workers = streaming ? 1 : min(threads, max(1, pieces.count))
        let analysis = self
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let reader = ChunkedInputs(stores: list.stores, chunkElements: analysis.chunkElements)
            while true {
                queue.lock.lock()
                let p = queue.next
                let stop = queue.failure != nil || p >= pieces.count
                queue.next += 1
                queue.lock.unlock()
                if stop { return }
                do {
                    let gram = try analysis.compute(
                        pieces[p], name: family.floats[pieces[p].tensor].name, reader: reader,
                        models: models, hasInit: hasInit)
                    queue.lock.lock()
                    queue.results[p] = gram
                    queue.progress.bytesDone += pieceBytes[p]
                    queue.progress.piecesDone += 1
                    let snapshot = queue.progress
                    progress?(snapshot)
                    queue.lock.unlock()
                } catch {
                    queue.lock.lock()
                    if queue.failure.map({ p < $0.piece }) ?? true { queue.failure = (p, error) }
                    queue.lock.unlock()
                }
            }
        }
        if let failure = queue.failure { throw failure.error }
        return queue.results.map { $0! }
    }

    /// One piece (an element range of one tensor) through `ChunkedInputs` and the pairwise-sum
    /// kernel. Chunks are aligned to multiples of `chunkElements` from the tensor's start, so a
    /// piece's sums depend only on the piece, never on which worker reads it. Sums are kept in
    /// `Double`, so they overflow only for f64 weights beyond ~1e150; a non-finite sum means an
    /// input holds NaN/Inf, and the piece is read again to name it.
    func compute(
        _ piece: WorkPiece, name: String, reader: ChunkedInputs, models: Int, hasInit: Bool
    ) throws -> PairSums {
        var sums = PairSums(models: models, hasBase: hasInit)
        try reader.forEachChunk(of: name, elements: piece.elements) { sums.add($0) }
        sums.symmetrise()
        if sums.isFinite { return sums }
        try reader.forEachChunk(of: name, elements: piece.elements) { chunk in
            for s in 0..<chunk.inputs where !chunk.allFinite(input: s) {
                throw DiagnosticsError.nonFinite(
                    tensor: name, file: reader.stores[s].file(of: name))
            }
        }
        throw DiagnosticsError.nonFinite(
            tensor: name + " (its sums of squares overflow)",
            file: reader.stores[0].file(of: name))
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
