import Merging
import SafeTensors

/// The WARP loop's merges, zero-copy: the inputs are the policies' own buffers lent as stores
/// (`GPTParameters`) and every output is written straight into a fresh model's buffer
/// (`GPTParameterSink`). The only calls into `MergeEngine` from the trainer are here.
///
///     SLERP + LITI:  θ_η = (1−η)·θ_init + η·slerp(θ_init, {θ_m}, λ = 1/M)   (eq. 26 for M > 2)
///     LITI alone:    θ_κ = (1−κ)·θ_init + κ·θ_merged
///
/// Bit-identical to merging into `InMemoryStore`s and loading them (`WarpMergeTests`).
/// - Complexity: the engine's (SLERP reads each input twice); memory: one model per output,
///   no copy of the inputs.
enum WarpMerge {
    /// SLERP of the task vectors θ_m − θ_init with λ = 1/M at `granularity`, one output per η.
    static func slerp(granularity: Granularity, etas: [Double]) -> MergePlan {
        MergePlan(
            method: .slerp, granularity: granularity, outputDType: .f32, etas: etas, threads: 1)
    }

    /// LITI (1−κ)·θ_init + κ·θ_merged, one output per κ.
    static func liti(etas: [Double]) -> MergePlan {
        MergePlan(method: .liti, outputDType: .f32, etas: etas, threads: 1)
    }

    /// Runs `plan` on `initial` and `models`, one fresh model per η of `plan.etas`.
    /// - Parameter labels: names of `initial` and of each model in messages.
    /// - Throws: `MergeError` (non-finite weights, …), `ReinforceError` when the models'
    ///   layouts differ from `initial`'s.
    static func run(
        _ plan: MergePlan, init initial: GPT, models: [GPT],
        labels: (initial: String, models: [String])
    ) throws -> (outputs: [GPT], report: MergeReport) {
        let initStore = initial.store(label: labels.initial)
        let stores = zip(models, labels.models).map { $0.store(label: $1) }
        let merge = try MergeEngine.prepare(plan, init: initStore, models: stores)
        let outputs = plan.etas.map { _ in
            GPT(config: initial.config, values: FloatBuffer(count: initial.layout.count))
        }
        let sinks = try outputs.map {
            try GPTParameterSink(model: $0, tensors: merge.outputTensors)
        }
        let report = try merge.run(into: sinks)
        return (outputs, report)
    }
}
