import Foundation
import Merging
import SafeTensors

/// Progress of an analysis: bytes of all inputs read so far, out of the total.
public struct AngleProgress: Sendable {
    public var bytesDone: Int
    public var bytesTotal: Int
    /// Tensors finished (all of them once `bytesDone == bytesTotal`).
    public var piecesDone: Int
    /// Tensors compared.
    public var piecesTotal: Int
}

/// Angles and norms of task vectors δ_m = θ_m − θ_init and full weights θ_m for M ≥ 2 models,
/// per group of tensors, in one streaming pass over the inputs.
///
/// The family is checked by `FamilyCheck` and every float tensor with elements goes through
/// `GramPass`, the statistics pass of SLERP: chunk k of all M+1 inputs is read once and feeds
/// all pairwise sums at once (`PairSums`), on the same chunks, in the same order and with the
/// same thread split as the merge, so results do not depend on the number of threads and
/// equal the merge's to the last bit. The geometry is `GramStats`: task vectors by the Gram
/// formula (the Ω SLERP uses), full weights with their distances (accurate tiny angles).
/// Without an init only full weights are compared.
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
    /// Elements per chunk; the default is the merge's (`MergeEngine.chunkElements`), which
    /// makes the sums equal to SLERP's statistics pass.
    public var chunkElements: Int
    /// Warning thresholds.
    public var thresholds: AngleWarnings

    public init(
        granularity: Granularity = .layer, threads: Int = 2,
        chunkElements: Int = MergeEngine.chunkElements,
        thresholds: AngleWarnings = AngleWarnings()
    ) {
        self.granularity = granularity
        self.threads = max(1, threads)
        self.chunkElements = max(1, chunkElements)
        self.thresholds = thresholds
    }

    /// Runs the analysis.
    /// - Parameters:
    ///   - models: the M ≥ 2 models θ_1 … θ_M.
    ///   - initial: the shared init θ_init, or nil for full weights only.
    ///   - progress: called on the calling thread after each block of chunks.
    /// - Throws: `DiagnosticsError.tooFewModels`, `.noFloatTensors`; `MergeError` for a
    ///   family that does not match (`.missingTensor`, `.shapeMismatch`, `.dtypeMismatch`) and
    ///   for non-finite values (`.nonFinite`, naming tensor and file); store errors as they come.
    public func run(
        models: [any TensorStore], initial: (any TensorStore)? = nil,
        progress: (@Sendable (AngleProgress) -> Void)? = nil
    ) throws -> AngleReport {
        guard models.count >= 2 else { throw DiagnosticsError.tooFewModels(got: models.count) }
        let stores = (initial.map { [$0] } ?? []) + models
        let family = try FamilyCheck(stores: stores)
        let compared = family.floats.filter { $0.info.elementCount > 0 }
        let skipped = family.entries.filter { !$0.isFloat || $0.info.elementCount == 0 }
        if compared.isEmpty { throw DiagnosticsError.noFloatTensors(file: stores[0].label) }

        let pass = GramPass(
            stores: stores, hasBase: initial != nil, threads: threads, chunkElements: chunkElements)
        let bytesPerElement = compared.map { e in
            e.inputs.reduce(0) { $0 + ($1.dtype.byteSize ?? 0) }
        }
        var state = AngleProgress(
            bytesDone: 0,
            bytesTotal: zip(compared, bytesPerElement).reduce(0) {
                $0 + $1.0.info.elementCount * $1.1
            },
            piecesDone: 0, piecesTotal: compared.count)
        var perTensor: [ExactName: PairSums] = [:]
        for (t, entry) in compared.enumerated() {
            perTensor[ExactName(entry.info.name)] = try pass.sums(of: entry.info) { elements in
                state.bytesDone += elements * bytesPerElement[t]
                if state.bytesDone == state.bytesTotal { state.piecesDone = state.piecesTotal }
                progress?(state)
            }
            state.piecesDone = t + 1
        }

        // Sum tensors into groups, in storage order.
        let m = models.count
        var groups: [GroupAngles] = []
        for group in Grouping.groups(compared.map(\.info), by: granularity) {
            var sum = PairSums(models: m, hasBase: initial != nil)
            for info in group.tensors {
                if let s = perTensor[ExactName(info.name)] { sum.add(s) }
            }
            let block =
                granularity == .tensor
                ? Grouping.block(of: group.name)?.index : group.blockIndex
            let taskStats = initial == nil ? nil : GramStats(count: m, gram: sum.task)
            let weightStats = GramStats(count: m, gram: sum.weight, differenceGram: sum.distance)
            groups.append(
                GroupAngles(
                    name: group.name, tensors: group.tensors.map(\.name), blockIndex: block,
                    elementCount: group.tensors.reduce(0) { $0 + $1.elementCount },
                    taskVectors: taskStats, weights: weightStats))
        }
        var report = AngleReport(
            initLabel: initial?.label, models: models.map(\.label), granularity: granularity,
            groups: groups, skipped: skipped.map(\.info.name))
        thresholds.annotate(&report)
        return report
    }
}
