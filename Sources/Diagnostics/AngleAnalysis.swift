import Dispatch
import Foundation
import Merging
import SafeTensors

/// Progress of an analysis: bytes of all inputs read so far, out of the total.
public struct AngleProgress: Sendable {
    public var bytesDone: Int
    public var bytesTotal: Int
    public var piecesDone: Int
    public var piecesTotal: Int
}

/// Angles and norms of task vectors δ_m = θ_m − θ_init and full weights θ_m for M ≥ 2 models,
/// per group of tensors, in one streaming pass over the inputs.
///
/// Every tensor is cut into fixed pieces (`pieceElements`) that worker threads read through
/// `ChunkedInputs`: chunk k of all M+1 inputs is read once and feeds all pairwise dots at
/// once (`PairSums`, the merge engine's kernel). Per-piece Gram matrices are summed in piece
/// order, so results do not depend on the number of threads. Without an init only full
/// weights are compared.
///
///     cos Ω = δ_i·δ_j / (‖δ_i‖‖δ_j‖),   cos ω = θ_i·θ_j / (‖θ_i‖‖θ_j‖)
///
/// - Complexity: one read of each input; O(M² · elements) flops; memory
///   O(threads · (M+1) · chunkElements) plus the mapped pages of the chunks in flight.
/// - SeeAlso: WARP paper, appendix C.2 (Figure 11) and Assumption 1.
public struct AngleAnalysis: Sendable {
    /// How tensors are grouped (default: per transformer block, as Figure 11).
    public var granularity: Granularity
    /// Worker threads.
    public var threads: Int
    /// Largest piece of a tensor handled as one unit of work.
    public var pieceElements: Int
    /// Elements per decoded chunk: large enough that per-chunk costs (name lookups, page
    /// release calls) vanish, small enough for the M+1 `Float` chunks to stay in L2.
    public var chunkElements: Int
    public static let defaultChunkElements = 1 << 16
    /// Warning thresholds.
    public var thresholds: AngleWarnings

    public init(
        granularity: Granularity = .layer, threads: Int = 2, pieceElements: Int = 1 << 24,
        chunkElements: Int = AngleAnalysis.defaultChunkElements,
        thresholds: AngleWarnings = AngleWarnings()
    ) {
        self.granularity = granularity
        self.threads = max(1, threads)
        self.pieceElements = max(1, pieceElements)
        self.chunkElements = max(1, chunkElements)
        self.thresholds = thresholds
    }

    /// Runs the analysis.
    /// - Parameters:
    ///   - models: the M ≥ 2 models θ_1 … θ_M.
    ///   - initial: the shared init θ_init, or nil for full weights only.
    ///   - progress: called from worker threads after each piece (serialised).
    /// - Throws: `DiagnosticsError` for too few models, mismatched names/shapes/dtypes and
    ///   non-finite values (naming tensor and file); store errors as they come.
    public func run(
        models: [any TensorStore], initial: (any TensorStore)? = nil,
        progress: (@Sendable (AngleProgress) -> Void)? = nil
    ) throws -> AngleReport {
        guard models.count >= 2 else { throw DiagnosticsError.tooFewModels(got: models.count) }
        let stores = (initial.map { [$0] } ?? []) + models
        let family = try FamilyCheck(stores: stores)
        let pieces = WorkPiece.pieces(of: family.floats, pieceElements: pieceElements)
        let results = try computePieces(
            pieces, family: family, stores: stores, hasInit: initial != nil,
            progress: progress)

        // Sum pieces into tensors, tensors into groups, in order.
        let m = models.count
        var perTensor = Array(
            repeating: PairSums(models: m, hasBase: initial != nil), count: family.floats.count)
        for (p, piece) in pieces.enumerated() { perTensor[piece.tensor].add(results[p]) }
        var slot: [ExactName: Int] = [:]
        for (t, info) in family.floats.enumerated() { slot[ExactName(info.name)] = t }
        var groups: [GroupAngles] = []
        for group in Grouping.groups(family.floats, by: granularity) {
            var sum = PairSums(models: m, hasBase: initial != nil)
            for info in group.tensors {
                if let t = slot[ExactName(info.name)] { sum.add(perTensor[t]) }
            }
            let block =
                granularity == .tensor
                ? Grouping.block(of: group.name)?.index : group.blockIndex
            let taskStats =
                initial == nil
                ? nil : GramStats(count: m, gram: sum.task, differenceGram: sum.distance)
            let weightStats = GramStats(count: m, gram: sum.weight, differenceGram: sum.distance)
            groups.append(
                GroupAngles(
                    name: group.name, tensors: group.tensors.map(\.name), blockIndex: block,
                    elementCount: group.tensors.reduce(0) { $0 + $1.elementCount },
                    taskVectors: taskStats, weights: weightStats))
        }
        var report = AngleReport(
            initLabel: initial?.label, models: models.map(\.label), granularity: granularity,
            groups: groups, skipped: family.skipped.map(\.name))
        thresholds.annotate(&report)
        return report
    }
}
