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

/// The streaming merge engine shared by the command line and the trainer.
///
/// For each group of the layout: a statistics pass (SLERP only) accumulates the Gram matrix
/// `G_mn = δ_m·δ_n` in `Double` over chunks; `MergeCoefficients` turns it into `c`; a write pass
/// computes `s = θ_init + Σ c_m δ_m` and every output `(1−η)·θ_init + η·s`, rounding once to
/// the output dtype. Other methods need no angle and run the write pass only (accumulating the
/// Gram matrix for the report and the finiteness check on the way).
///
/// - Complexity: SLERP reads each input twice (the second read mostly from the page cache),
///   other methods once; memory is two blocks of output bytes per output, the mapped pages of
///   the chunks in flight (released every 16 MiB per input) and, for f16/fp8 inputs, a decode
///   buffer of `chunk` floats per input and thread, independent of model size.
/// - SeeAlso: WARP paper, Equations (SLERP) and (LITI), eq. 26, appendix C.1 (η up to 2).
public enum MergeEngine {
    /// Elements per chunk (per input, per thread): 64 KiB of bf16, cache-sized.
    public static let chunkElements = 1 << 15
    /// Chunks per block: the unit split across threads and handed to the sinks.
    static let chunksPerBlock = 32

    /// Checks `plan` and the inputs, and lays out groups and output tensors (headers only).
    public static func layout(
        _ plan: MergePlan, init initial: (any TensorStore)?, models: [any TensorStore]
    ) throws -> MergeLayout {
        try plan.validate(models: models.count, hasInit: initial != nil)
        let stores = (initial.map { [$0] } ?? []) + models
        return try MergeLayout(
            stores: stores, granularity: plan.granularity, outputDType: plan.outputDType)
    }

    /// Runs a merge, writing output k (η = `plan.etas[k]`) to `outputs[k]`.
    ///
    /// - Parameters:
    ///   - initial: θ_init (required by SLERP, task arithmetic, LITI and any η ≠ 1).
    ///   - models: θ_1 … θ_M (for LITI: the one merged model).
    ///   - outputs: one sink per η, expecting `layout(…).outputTensors`; finished on success,
    ///     aborted on error.
    ///   - progress: called after each tensor, on the calling thread.
    /// - Returns: per-group geometry, coefficients and fallbacks.
    /// - Throws: `MergeError` for bad plans/inputs (mismatches, non-finite values),
    ///   `SafeTensorsError` for I/O; every sink is aborted first.
    ///
    /// SLERP reads every group twice (statistics, then write); a `.forwardStream` input (zstd)
    /// is reopened for the statistics pass so that each instance is read forward only.
    public static func run(
        _ plan: MergePlan, init initial: (any TensorStore)?, models: [any TensorStore],
        outputs: [any MergeSink], progress: ((MergeProgress) -> Void)? = nil
    ) throws -> MergeReport {
        do {
            let layout = try layout(plan, init: initial, models: models)
            if outputs.count != plan.etas.count {
                throw MergeError.outputCount(etas: plan.etas.count, outputs: outputs.count)
            }
            let inputs = (initial.map { [$0] } ?? []) + models
            let statistics =
                plan.method == .slerp && inputs.contains { $0.access == .forwardStream }
                ? try inputs.map { try $0.reopen() } : nil
            let runner = MergeRunner(
                plan: plan, initial: initial, models: models, statistics: statistics,
                outputs: outputs, layout: layout, progress: progress)
            try runner.run()
            for sink in outputs { try sink.finish() }
            return runner.report
        } catch {
            for sink in outputs { sink.abort() }
            throw error
        }
    }

    /// Merges into fresh `InMemoryStore`s, one per η (the trainer's path: no files).
    public static func runInMemory(
        _ plan: MergePlan, init initial: (any TensorStore)?, models: [any TensorStore],
        label: String = "<merge>"
    ) throws -> (outputs: [InMemoryStore], report: MergeReport) {
        let layout = try layout(plan, init: initial, models: models)
        let stores = plan.etas.map { InMemoryStore(label: "\(label) eta=\($0)") }
        let sinks = stores.map { InMemorySink(store: $0, tensors: layout.outputTensors) }
        let report = try run(plan, init: initial, models: models, outputs: sinks)
        return (stores, report)
    }
}
