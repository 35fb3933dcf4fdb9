import CBLAS
import Diagnostics
import Dispatch
import Foundation
import Merging
import SafeTensors

/// The iterative WARP loop (paper Algorithm 1), end to end on the built-in task:
///
///     θ_init ← θ_sft
///     for i in 1…I:
///         θ_m ← REINFORCE(θ_init, EMA anchor μ, β, T steps)     m = 1…M, in parallel
///         θ_slerp ← slerp(θ_init, {θ_m}, λ = 1/M)               (Merging engine, in memory)
///         front: θ_η = (1−η)·θ_init + η·θ_slerp, η ∈ {0, .1, .3, .5, .8, 1}
///         θ_init ← θ_η for η = `eta`
///
/// Every merge goes through `MergeEngine.runInMemory` on the policies' `parametersStore()`,
/// the same engine and tensor stores the `slerp`/`liti` commands use on files.
///
/// Run directory (`directory`): `sft/`, `iteration-I/{run-M/, init/, eta-X.XX/, angles.txt,
/// angles.json, front.csv}`, `baseline-beta-B/`, `final-front/`, `summary.json`,
/// `front.txt`, `figures/*.svg`. Every policy is saved in Hugging Face layout.
/// - Complexity: I·M·T REINFORCE steps (M at a time on `parallelRuns` cores), plus
///   (I·(M + |front|) + …) held-out evaluations and one in-memory merge per iteration.
public final class WarpLoop: @unchecked Sendable {
    public let settings: WarpSettings
    public let directory: String?
    /// Messages for people (progress), one line each.
    public var log: (@Sendable (String) -> Void)?

    public init(settings: WarpSettings, directory: String?) throws {
        try settings.validate()
        self.settings = settings
        self.directory = directory
    }

    func path(_ components: String...) -> String? {
        guard let dir = directory else { return nil }
        return components.reduce(dir) { ($0 as NSString).appendingPathComponent($1) }
    }

    /// Runs the loop from an SFT policy (trained first, or reused, when `sft` is nil).
    /// - Returns: the summary (also written to the directory with the figures).
    /// - Throws: trainer, merge, evaluation and I/O errors.
    public func run(sft given: (model: GPT, vocabulary: Vocabulary)? = nil) throws -> WarpSummary {
        openblas_set_num_threads(1)
        let clock = Date()
        let reward = try RewardSpec.make(
            settings.reward, timeout: settings.rewardTimeout ?? ExternalReward.defaultTimeout)
        let sft: (model: GPT, vocabulary: Vocabulary)
        if let given {
            sft = given
        } else {
            log?("training SFT (\(settings.sft.steps) steps)")
            sft = try SFTRun.run(settings.sft, directory: path("sft"))
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
        var lastSlerp: InMemoryStore?
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
            settings: settings.evaluation)
    }

    /// Algorithm 1 lines 3–13 for iteration `i`.
    func runIteration(
        _ i: Int, initial: GPT, sft: (model: GPT, vocabulary: Vocabulary),
        reward: any RewardFunction, evaluator: PolicyEvaluator
    ) throws -> (WarpSummary.Iteration, GPT, InMemoryStore) {
        let m = settings.runs
        log?("iteration \(i): \(m) REINFORCE runs of \(settings.steps) steps (EMA anchor)")
        if let dir = path("iteration-\(i)", "init") {
            try PolicyCheckpoint.save(initial, vocabulary: sft.vocabulary, to: dir)
        }
        let jobs = (1...m).map { run in
            (
                name: "run-\(run)", settings: settings.runSettings(iteration: i, run: run),
                dir: path("iteration-\(i)", "run-\(run)")
            )
        }
        let results = try train(jobs, initial: initial, sft: sft, reward: reward)
        let initialEval = try evaluator.evaluate(initial, label: "iteration \(i) init")
        // SLERP of the M task vectors w.r.t. θ_init, λ = 1/M, and the LITI front, in one pass.
        let etas = settings.outputEtas
        let initStore = initial.parametersStore(label: "iteration-\(i)/init")
        let models = results.map { $0.policy.parametersStore(label: "iteration-\(i)/\($0.name)") }
        let (outputs, report) = try merge(init: initStore, models: models, etas: etas)
        var front: [WarpSummary.FrontPoint] = []
        var next = initial
        var slerp = outputs[outputs.count - 1]
        for (k, eta) in etas.enumerated() {
            let model = try GPT(config: initial.config, store: outputs[k])
            let e = try evaluator.evaluate(
                model, label: String(format: "iteration %d eta=%.2f", i, eta))
            if settings.front.contains(eta) { front.append(.init(eta: eta, evaluation: e)) }
            if eta == settings.eta { next = model }
            if eta == 1 { slerp = outputs[k] }
            if let dir = path("iteration-\(i)", String(format: "eta-%.2f", eta)) {
                try PolicyCheckpoint.save(
                    model, vocabulary: sft.vocabulary, to: dir,
                    metadata: ["merge": "slerp+liti", "eta": "\(eta)"])
            }
        }
        if etas.firstIndex(of: 1) == nil {
            slerp = try merge(init: initStore, models: models, etas: [1]).outputs[0]
        }
        let angles = try analyseAngles(models: models, initial: initStore, iteration: i)
        var runs: [WarpSummary.Run] = []
        for r in results {
            let final = try evaluator.evaluate(r.policy, label: "iteration \(i) \(r.name)")
            let ema = try r.ema.map {
                try evaluator.evaluate($0, label: "iteration \(i) \(r.name) ema")
            }
            runs.append(
                .init(
                    name: r.name, beta: settings.reinforce.beta,
                    anchor: "ema(\(settings.mu))", trajectory: r.trajectory,
                    final: final, ema: ema, seconds: r.seconds))
        }
        let iteration = WarpSummary.Iteration(
            index: i, initial: initialEval, runs: runs, front: front,
            taskVectorCosine: angles.task, weightCosine: angles.weight,
            mergedTensors: report.groups.reduce(0) { $0 + $1.tensors },
            mergeWarnings: report.warnings)
        if let file = path("iteration-\(i)", "front.csv") {
            let rows = front.map { p in
                var e = p.evaluation
                e.label = String(format: "eta=%.2f", p.eta)
                return e.csvRow
            }
            try writeText(
                ([EvaluationResult.csvHeader] + rows).joined(separator: "\n") + "\n",
                to: file)
        }
        return (iteration, next, slerp)
    }

    /// SLERP of the task vectors θ_m − θ_init with λ = 1/M (eq. 26 for M > 2), then one
    /// output per η: (1−η)·θ_init + η·θ_slerp — one pass of the merge engine, in memory.
    func merge(init initStore: InMemoryStore, models: [InMemoryStore], etas: [Double]) throws
        -> (outputs: [InMemoryStore], report: MergeReport)
    {
        let plan = MergePlan(
            method: .slerp, granularity: settings.granularity,
            outputDType: .f32, etas: etas, threads: 1)
        return try MergeEngine.runInMemory(plan, init: initStore, models: models, label: "warp")
    }

    /// Paper Figure 1(b): the front between θ_sft and the last SLERP, through the engine's LITI.
    func towardsSFT(
        _ slerp: InMemoryStore, sft: (model: GPT, vocabulary: Vocabulary),
        evaluator: PolicyEvaluator
    ) throws -> [WarpSummary.FrontPoint] {
        let plan = MergePlan(method: .liti, outputDType: .f32, etas: settings.front, threads: 1)
        let outputs = try MergeEngine.runInMemory(
            plan, init: sft.model.parametersStore(label: "sft"), models: [slerp]
        ).outputs
        return try zip(settings.front, outputs).map { kappa, store in
            let model = try GPT(config: sft.model.config, store: store)
            if let dir = path("final-front", String(format: "kappa-%.2f", kappa)) {
                try PolicyCheckpoint.save(model, vocabulary: sft.vocabulary, to: dir)
            }
            return .init(
                eta: kappa,
                evaluation: try evaluator.evaluate(
                    model, label: String(format: "kappa=%.2f", kappa)))
        }
    }
}
