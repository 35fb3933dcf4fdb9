import Dispatch
import Foundation
import Merging
import SafeTensors

/// The Gram contributions of one work piece: M×M task-vector and full-weight dots and
/// squared distances between models (see `GramAccumulator`).
struct PieceGram: Sendable {
    var task: [Double]
    var weight: [Double]
    var distance: [Double]

    init(models m: Int) {
        task = Array(repeating: 0, count: m * m)
        weight = task
        distance = task
    }

    init(_ acc: GramAccumulator) {
        task = acc.task
        weight = acc.weight
        distance = acc.distance
    }

    /// Adds `other` element-wise.
    mutating func add(_ other: PieceGram) {
        for k in task.indices {
            task[k] += other.task[k]
            weight[k] += other.weight[k]
            distance[k] += other.distance[k]
        }
    }

    var isFinite: Bool {
        task.allSatisfy(\.isFinite) && weight.allSatisfy(\.isFinite)
            && distance.allSatisfy(\.isFinite)
    }
}

/// Mutable state shared by the worker threads, guarded by `lock`.
private final class WorkQueue: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [PieceGram?]
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
    ) throws -> [PieceGram] {
        let pieceBytes = pieces.map { piece in
            piece.elements.count
                * family.inputInfos[piece.tensor].reduce(0) { $0 + ($1.dtype.byteSize ?? 0) }
        }
        let queue = WorkQueue(count: pieces.count, bytesTotal: pieceBytes.reduce(0, +))
        let list = StoreList(stores: stores)
        let models = stores.count - (hasInit ? 1 : 0)
        let streaming = stores.contains(where: FamilyCheck.isStreaming)
        let workers = streaming ? 1 : min(threads, max(1, pieces.count))
        let analysis = self
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let acc = GramAccumulator(models: models, hasBase: hasInit)
            while true {
                queue.lock.lock()
                let p = queue.next
                let stop = queue.failure != nil || p >= pieces.count
                queue.next += 1
                queue.lock.unlock()
                if stop { return }
                do {
                    let gram = try analysis.compute(
                        pieces[p], infos: family.inputInfos[pieces[p].tensor], stores: list.stores,
                        accumulator: acc)
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

    /// One piece through `ChunkedInputs` and the vectorised accumulator; when a sum comes out
    /// non-finite, the piece is read again to name the input holding NaN/Inf, or, if every
    /// value is finite (Float overflow of huge weights), summed exactly in `Double`.
    func compute(
        _ piece: WorkPiece, infos: [TensorInfo], stores: [any TensorStore],
        accumulator acc: GramAccumulator
    ) throws -> PieceGram {
        let slices = zip(stores, infos).map { TensorSlice($0, info: $1, elements: piece.elements) }
        let reader = ChunkedInputs(stores: slices, chunkElements: chunkElements)
        let offset = acc.hasBase ? 1 : 0
        let name = infos[0].name
        acc.reset()
        try reader.forEachChunk(of: name) { _, chunks in
            let n = chunks[0].count
            let inputs = chunks[offset...].map { UnsafePointer($0.baseAddress!) }
            acc.add(
                base: acc.hasBase ? UnsafePointer(chunks[0].baseAddress!) : nil,
                inputs: inputs, count: n)
        }
        let gram = PieceGram(acc)
        if gram.isFinite { return gram }
        return try exact(
            reader, name: name, stores: stores, hasBase: acc.hasBase, models: acc.models)
    }

    /// The slow path: finds the first input with a non-finite value, else sums in `Double`.
    private func exact(
        _ reader: ChunkedInputs, name: String, stores: [any TensorStore], hasBase: Bool,
        models m: Int
    ) throws -> PieceGram {
        try reader.forEachChunk(of: name) { _, chunks in
            for (s, chunk) in chunks.enumerated() where !chunk.allSatisfy(\.isFinite) {
                throw DiagnosticsError.nonFinite(
                    tensor: name, file: Checkpoint.file(of: name, in: stores[s]))
            }
        }
        var gram = PieceGram(models: m)
        let offset = hasBase ? 1 : 0
        try reader.forEachChunk(of: name) { _, chunks in
            for k in 0..<chunks[0].count {
                let b = hasBase ? Double(chunks[0][k]) : 0
                for i in 0..<m {
                    let xi = Double(chunks[i + offset][k])
                    for j in i..<m {
                        let xj = Double(chunks[j + offset][k])
                        gram.weight[i * m + j] += xi * xj
                        gram.distance[i * m + j] += (xi - xj) * (xi - xj)
                        if hasBase { gram.task[i * m + j] += (xi - b) * (xj - b) }
                    }
                }
            }
        }
        for i in 0..<m {
            for j in 0..<i {
                gram.task[i * m + j] = gram.task[j * m + i]
                gram.weight[i * m + j] = gram.weight[j * m + i]
                gram.distance[i * m + j] = gram.distance[j * m + i]
            }
        }
        return gram
    }
}
