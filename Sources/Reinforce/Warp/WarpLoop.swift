import CBLAS
import Dispatch
import Foundation

/// The iterative WARP loop (paper Algorithm 1), end to end on the built-in task:
///
///     θ_init ← θ_sft
///     for i in 1…I:
///         θ_m ← REINFORCE(θ_init, EMA anchor μ, β, T steps)     m = 1…M, in parallel
///         θ_slerp ← slerp(θ_init, {θ_m}, λ = 1/M)               (Merging engine, in memory)
///         front: θ_η = (1−η)·θ_init + η·θ_slerp, η ∈ {0, .1, .3, .5, .8, 1}
///         θ_init ← θ_η for η = `eta`
///
/// Each iteration is four steps with explicit inputs and outputs (`WarpLoop+Steps.swift`):
/// train (the M runs), merge (SLERP + LITI front), evaluate, record; `WarpStep` lists them
/// with their files in the run directory. Every merge goes through `MergeEngine` on the
/// policies' own parameter buffers (`WarpMerge`: `GPTParameters` in, `GPTParameterSink`
/// out), the same engine the `slerp`/`liti` commands use on files.
///
/// Run directory (`directory`): see `WarpRunDirectory`. Every policy is saved in Hugging
/// Face layout.
/// - Complexity: I·M·T REINFORCE steps (M at a time on `parallelRuns` cores), plus
///   (I·(M + |front|) + …) held-out evaluations and one in-memory merge per iteration.
public final class WarpLoop: @unchecked Sendable {
    public let settings: WarpSettings
    public let directory: WarpRunDirectory?
    /// Messages for people (progress), one line each.
    public var log: (@Sendable (String) -> Void)?

    /// The SFT policy and its vocabulary: the start and the KL reference of every run.
    public typealias SFT = (model: GPT, vocabulary: Vocabulary)

    public init(settings: WarpSettings, directory: String?) throws {
        try settings.validate()
        self.settings = settings
        self.directory = directory.map(WarpRunDirectory.init)
    }

    /// Runs the loop from an SFT policy (trained first, or reused, when `sft` is nil).
    /// - Returns: the summary (also written to the directory with the figures).
    /// - Throws: trainer, merge, evaluation and I/O errors.
    public func run(sft given: SFT? = nil) throws -> WarpSummary {
        openblas_set_num_threads(1)
        let clock = Date()
        let reward = try settings.makeReward()
        let sft: SFT
        if let given {
            sft = given
        } else {
            log?("training SFT (\(settings.sft.steps) steps)")
            sft = try SFTRun.run(settings.sft, directory: directory?.sft)
        }
        if let dir = directory?.initial(iteration: 1) {
            try PolicyCheckpoint.save(sft.model, vocabulary: sft.vocabulary, to: dir)
        }
        let sftSeconds = Date().timeIntervalSince(clock)
        let evaluator = try makeEvaluator(
            sft: sft.model, reward: reward, vocabulary: sft.vocabulary)
        var summary = WarpSummary(
            settings: settings, sft: try evaluator.evaluate(sft.model, label: "sft"))
        summary.seconds["sft"] = sftSeconds
        // Baselines do not depend on the iterations: train them alongside (3 jobs, 2 cores).
        let baselines = BaselineSlot()
        let group = DispatchGroup()
        if !settings.baselines.isEmpty {
            let sftPair = sft
            DispatchQueue.global().async(group: group) {
                let start = Date()
                baselines.result = Result { try self.runBaselines(sft: sftPair, reward: reward) }
                baselines.seconds = Date().timeIntervalSince(start)
            }
        }
        defer { group.wait() }  // never leave the baselines running behind an error
        var initial = sft.model
        var lastSlerp: GPT?
        for i in 1...settings.iterations {
            let start = Date()
            let (iteration, next, slerp) = try runIteration(
                i, initial: initial, sft: sft, reward: reward, evaluator: evaluator)
            summary.iterations.append(iteration)
            summary.seconds["iteration-\(i)"] = Date().timeIntervalSince(start)
            initial = next
            lastSlerp = slerp
        }
        if settings.iterations > 1, let slerp = lastSlerp {
            summary.finalFront = try towardsSFT(slerp, sft: sft, evaluator: evaluator)
        }
        group.wait()
        if let result = baselines.result {
            summary.baselines = try result.get()
            summary.seconds["baselines"] = baselines.seconds
        }
        summary.seconds["total"] = Date().timeIntervalSince(clock)
        try write(summary)
        return summary
    }

    /// The baselines' outcome, filled by their background job.
    final class BaselineSlot: @unchecked Sendable {
        var result: Result<[WarpSummary.Run], any Error>?
        var seconds = 0.0
    }

    /// One evaluator per thread, all with the same prompts and draws.
    func makeEvaluator(sft: GPT, reward: any RewardFunction, vocabulary: Vocabulary) throws
        -> PolicyEvaluator
    {
        try PolicyEvaluator(
            sft: sft, reward: reward, vocabulary: vocabulary,
            settings: settings.evaluationSettings)
    }

    /// Algorithm 1 lines 3–13 for iteration `i`: train, merge, evaluate, record.
    /// - Returns: the iteration's summary, the next init (θ_η at η = `eta`) and θ_slerp.
    func runIteration(
        _ i: Int, initial: GPT, sft: SFT, reward: any RewardFunction,
        evaluator: PolicyEvaluator
    ) throws -> (WarpSummary.Iteration, GPT, GPT) {
        let runs = try trainRuns(i, initial: initial, sft: sft, reward: reward)
        let merged = try mergeFront(
            i, initial: initial, runs: runs, vocabulary: sft.vocabulary)
        let evaluated = try evaluateIteration(
            i, initial: initial, runs: runs, merged: merged, evaluator: evaluator)
        try record(i, merged: merged, evaluated: evaluated, vocabulary: sft.vocabulary)
        return (evaluated.iteration, merged.next, merged.slerp)
    }

    /// Paper Figure 1(b): the front between θ_sft and the last SLERP, through the engine's LITI.
    /// Writes `final-front/kappa-X.XX/`.
    func towardsSFT(_ slerp: GPT, sft: SFT, evaluator: PolicyEvaluator) throws
        -> [WarpSummary.FrontPoint]
    {
        let plan = WarpMerge.liti(etas: settings.front)
        let outputs = try WarpMerge.run(
            plan, init: sft.model, models: [slerp],
            labels: ("sft", ["iteration-\(settings.iterations)/slerp"])
        ).outputs
        return try zip(settings.front, outputs).map { kappa, model in
            if let dir = directory?.finalFront(kappa: kappa) {
                try PolicyCheckpoint.save(model, vocabulary: sft.vocabulary, to: dir)
            }
            return .init(
                eta: kappa,
                evaluation: try evaluator.evaluate(
                    model, label: String(format: "kappa=%.2f", kappa)))
        }
    }
}
