import Dispatch
import SafeTensors

/// Progress of a running merge, reported after each tensor.
public struct MergeProgress: Sendable {
    public var tensorsDone: Int
    public var tensorsTotal: Int
    /// Input bytes processed so far (both passes of SLERP count).
    public var bytesRead: Int
    /// Input bytes the whole merge will read.
    public var bytesTotal: Int
}

/// The streaming merge engine shared by the command line and the trainer: a merge prepared
/// once (plan validated, family checked, groups laid out, from headers only), then run into
/// sinks.
///
///     let merge = try MergeEngine.prepare(plan, init: base, models: [a, b])
///     let sinks = try makeSinks(merge.outputTensors)     // one per η
///     let report = try merge.run(into: sinks)
///
/// For each group of the layout: a statistics pass (methods that `needsStatistics`, i.e.
/// SLERP) accumulates the Gram matrix `G_mn = δ_m·δ_n` in `Double` (`GramPass`, the schedule
/// `angles` uses too); the method turns it into coefficients `c`; a write pass computes
/// `s = θ_init + Σ c_m δ_m` and every output `(1−η)·θ_init + η·s`, rounding once to the output
/// dtype. Other methods need no angle and run the write pass only (accumulating the Gram
/// matrix for the report and the finiteness check on the way).
///
/// - Complexity: SLERP reads each input twice (the second read mostly from the page cache),
///   other methods once; memory is two blocks of output bytes per output, the mapped pages of
///   the chunks in flight (released every 16 MiB per input) and, for f16/fp8 inputs, a decode
///   buffer of `chunk` floats per input and thread, independent of model size.
/// - SeeAlso: WARP paper, Equations (SLERP) and (LITI), eq. 26, appendix C.1 (η up to 2).
public struct MergeEngine {
    /// Elements per chunk (per input, per thread): the one chunk size of merges and `angles`.
    public static let chunkElements = ChunkedInputs.defaultChunkElements
    /// Chunks per block: the unit split across threads and handed to the sinks.
    static let chunksPerBlock = GramPass.chunksPerBlock

    public let plan: MergePlan
    /// The plan's method.
    public let method: any MergeMethod.Type
    public let initial: (any TensorStore)?
    public let models: [any TensorStore]
    /// The checked groups and copies, in output order (only this part's with `plan.part`).
    public let layout: MergeLayout
    /// The split of the whole layout when `plan.part` is set (`nil` otherwise).
    public var partition: MergePartition? = nil

    /// The tensors every output sink receives, in order, with their output dtypes.
    public var outputTensors: [TensorInfo] { layout.outputTensors }

    /// Validates `plan` against the inputs, checks the family and lays out the groups
    /// (headers only; no tensor data is read).
    ///
    /// - Parameters:
    ///   - initial: θ_init (required by SLERP, task arithmetic, LITI and any η ≠ 1).
    ///   - models: θ_1 … θ_M (for LITI: the one merged model).
    /// - Throws: `MergeError` for bad plans and families.
    public static func prepare(
        _ plan: MergePlan, init initial: (any TensorStore)?, models: [any TensorStore]
    ) throws -> MergeEngine {
        try plan.validate(models: models.count, hasInit: initial != nil)
        let stores = (initial.map { [$0] } ?? []) + models
        let whole = try MergeLayout(
            stores: stores, granularity: plan.granularity, outputDType: plan.outputDType)
        var layout = whole
        var partition: MergePartition?
        if let part = plan.part {  // whole groups of the whole layout: angles are unchanged
            partition = MergePartition(layout: whole, stores: stores, count: part.count)
            layout = partition!.layout(of: part.index)
        }
        return MergeEngine(
            plan: plan, method: try plan.methodType(), initial: initial, models: models,
            layout: layout, partition: partition)
    }

    /// Runs the merge, writing output k (η = `plan.etas[k]`) to `outputs[k]`.
    ///
    /// - Parameters:
    ///   - outputs: one sink per η, expecting `outputTensors`; finished on success, aborted on
    ///     error.
    ///   - progress: called after each tensor, on the calling thread.
    /// - Returns: per-group geometry, coefficients and fallbacks.
    /// - Throws: `MergeError` for bad inputs (non-finite values, unequal copied tensors),
    ///   `SafeTensorsError` for I/O; every sink is aborted first.
    ///
    /// SLERP reads every group twice (statistics, then write); a `.forwardStream` input (zstd)
    /// is reopened for the statistics pass so that each instance is read forward only.
    public func run(
        into outputs: [any MergeSink], progress: ((MergeProgress) -> Void)? = nil
    ) throws -> MergeReport {
        do {
            if outputs.count != plan.etas.count {
                throw MergeError.outputCount(etas: plan.etas.count, outputs: outputs.count)
            }
            let inputs = (initial.map { [$0] } ?? []) + models
            let statistics =
                method.needsStatistics && inputs.contains { $0.access == .forwardStream }
                ? try inputs.map { try $0.reopen() } : nil
            let runner = MergeRunner(
                engine: self, statistics: statistics, outputs: outputs, progress: progress)
            try runner.run()
            for sink in outputs { try sink.finish() }
            return runner.report
        } catch {
            for sink in outputs { sink.abort() }
            throw error
        }
    }

    /// Runs the merge into fresh `InMemoryStore`s, one per η (the trainer's path: no files).
    public func runInMemory(label: String = "<merge>") throws -> (
        outputs: [InMemoryStore], report: MergeReport
    ) {
        let stores = plan.etas.map { InMemoryStore(label: "\(label) eta=\($0)") }
        let sinks = stores.map { InMemorySink(store: $0, tensors: outputTensors) }
        return (stores, try run(into: sinks))
    }

    /// `prepare` then `run(into:)`; sinks are aborted when preparing fails too.
    public static func run(
        _ plan: MergePlan, init initial: (any TensorStore)?, models: [any TensorStore],
        outputs: [any MergeSink], progress: ((MergeProgress) -> Void)? = nil
    ) throws -> MergeReport {
        let merge: MergeEngine
        do {
            merge = try prepare(plan, init: initial, models: models)
        } catch {
            for sink in outputs { sink.abort() }
            throw error
        }
        return try merge.run(into: outputs, progress: progress)
    }

    /// `prepare` then `runInMemory`.
    public static func runInMemory(
        _ plan: MergePlan, init initial: (any TensorStore)?, models: [any TensorStore],
        label: String = "<merge>"
    ) throws -> (outputs: [InMemoryStore], report: MergeReport) {
        try prepare(plan, init: initial, models: models).runInMemory(label: label)
    }
}
