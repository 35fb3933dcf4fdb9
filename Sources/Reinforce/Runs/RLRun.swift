import Foundation

/// One point of a KL–reward trajectory: the held-out evaluation after `step` steps.
public struct TrajectoryPoint: Codable, Sendable, Equatable {
    public var step: Int
    public var evaluation: EvaluationResult
}

/// What a finished `RLRun` returns.
public struct RLRunResult: @unchecked Sendable {
    /// The final policy θ_T and, for an EMA anchor, the final EMA (else nil).
    public let policy: GPT
    public let ema: GPT?
    /// Statistics of the steps run in this call (a resumed run starts after its checkpoint).
    public let stats: [ReinforceStepStats]
    /// Evaluations of this call, in step order.
    public let trajectory: [TrajectoryPoint]
    /// The checkpoint step this call resumed from (nil: started fresh).
    public let resumedFrom: Int?
}

/// A REINFORCE run with logging, periodic evaluation, resumable checkpoints and a final
/// policy in Hugging Face layout (WARP Algorithm 1, lines 4–10, for one run m).
///
/// Run directory (when `directory` is set):
///
///     run.json                      RLRunSettings
///     metrics.csv, metrics.jsonl    one row per step (reward mean/std, KL to anchor and SFT,
///                                   entropy, completion length, distinct ratio, …)
///     eval.csv, eval.jsonl          held-out reward and KL to SFT every `evalEvery` steps
///     checkpoints/step-NNNNNN/      policy/, ema/, optimizer.safetensors, trainer_state.json
///     policy/, ema/                 the final policy and EMA
///
/// Running again on a directory with checkpoints continues from the last one: parameters,
/// EMA, Adam moments and step, and both generators are restored, the logs are cut back to
/// that step, so the final policy and logs equal an uninterrupted run's, bit for bit.
public final class RLRun {
    public let settings: RLRunSettings
    public let directory: String?
    public let vocabulary: Vocabulary
    let trainer: ReinforceTrainer
    let evaluator: PolicyEvaluator?

    /// Columns of `metrics.csv`.
    public static let metricColumns = [
        "step", "reward_mean", "reward_std", "kl_anchor", "kl_sft", "objective", "entropy",
        "completion_length", "distinct_ratio", "grad_norm", "learning_rate",
    ]
    /// Columns of `eval.csv`.
    public static let evalColumns = [
        "step", "reward", "reward_std", "kl_sft", "kl_sft_std", "kl_log_ratio", "entropy",
        "length", "distinct",
    ]

    /// - Parameters:
    ///   - initial: θ_init; copied, never modified.
    ///   - sft: the SFT model (KL-to-SFT statistics; the anchor when it is `.fixed`).
    ///   - evaluator: for the trajectory when `settings.evalEvery > 0` (own it: not shared
    ///     across threads).
    ///   - prompts: the training stream; default `PromptSet.training(seed: promptSeed)`.
    /// - Throws: `ReinforceError.invalidOption` for bad settings.
    public init(
        initial: GPT, sft: GPT?, reward: any RewardFunction, vocabulary: Vocabulary,
        settings: RLRunSettings, directory: String? = nil,
        evaluator: PolicyEvaluator? = nil, prompts: PromptStream? = nil
    ) throws {
        try settings.validate()
        let anchor: GPT? = settings.reinforce.anchor == .fixed ? sft : nil
        trainer = try ReinforceTrainer(
            policy: initial.copy(), anchor: anchor, reference: sft, reward: reward,
            vocabulary: vocabulary,
            prompts: prompts ?? PromptSet.training(seed: settings.promptSeed),
            settings: settings.reinforce)
        self.settings = settings
        self.directory = directory
        self.vocabulary = vocabulary
        self.evaluator = settings.evalEvery > 0 ? evaluator : nil
    }

    /// Runs (or resumes) to `settings.steps`.
    /// - Parameter onStep: called after every step (e.g. a progress line).
    /// - Throws: `ReinforceError.invalidOption` when the directory holds a different run, the
    ///   trainer's, evaluator's and I/O errors.
    public func run(onStep: ((ReinforceStepStats) -> Void)? = nil) throws -> RLRunResult {
        var resumed: Int?
        var metrics: MetricsLog?, evalLog: MetricsLog?
        if let dir = directory {
            resumed = try prepareDirectory(dir)
            metrics = try MetricsLog(
                directory: dir, name: "metrics", columns: Self.metricColumns,
                keepingThrough: resumed)
            if evaluator != nil {
                evalLog = try MetricsLog(
                    directory: dir, name: "eval", columns: Self.evalColumns,
                    keepingThrough: resumed)
            }
        }
        var stats: [ReinforceStepStats] = []
        var trajectory: [TrajectoryPoint] = []
        func evaluate() throws {
            guard let evaluator else { return }
            let step = trainer.stepCount
            let e = try evaluator.evaluate(trainer.policy, label: "step \(step)")
            trajectory.append(TrajectoryPoint(step: step, evaluation: e))
            try evalLog?.append([
                Double(step), e.reward, e.rewardStd, e.kl, e.klStd,
                e.klLogRatio, e.entropy, e.length, e.distinct,
            ])
        }
        if resumed == nil { try evaluate() }
        while trainer.stepCount < settings.steps {
            let s = try trainer.step()
            let ema = settings.reinforce.anchor == .fixed ? nil : trainer.anchor
            try FiniteCheck.reinforce(s, policy: trainer.policy, anchor: ema)
            stats.append(s)
            try metrics?.append(Self.row(s))
            onStep?(s)
            let t = trainer.stepCount
            if evaluator != nil, t % settings.evalEvery == 0 || t == settings.steps {
                try evaluate()
            }
            if let dir = directory, settings.checkpointEvery > 0, t % settings.checkpointEvery == 0,
                t < settings.steps
            {
                try saveCheckpoint(in: dir)
            }
        }
        if let dir = directory {
            if trainer.stepCount > 0 { try saveCheckpoint(in: dir) }
            try PolicyCheckpoint.save(
                trainer.policy, vocabulary: vocabulary,
                to: (dir as NSString).appendingPathComponent("policy"),
                metadata: ["step": "\(trainer.stepCount)"])
            if case .ema = settings.reinforce.anchor {
                try PolicyCheckpoint.save(
                    trainer.anchor, vocabulary: vocabulary,
                    to: (dir as NSString).appendingPathComponent("ema"),
                    metadata: ["step": "\(trainer.stepCount)"])
            }
        }
        let ema: GPT? = settings.reinforce.anchor == .fixed ? nil : trainer.anchor
        return RLRunResult(
            policy: trainer.policy, ema: ema, stats: stats,
            trajectory: trajectory, resumedFrom: resumed)
    }

    /// One `metrics.csv` row.
    static func row(_ s: ReinforceStepStats) -> [Double?] {
        [
            Double(s.step), s.rewardMean, s.rewardStd, s.klToAnchor, s.klToSFT, s.objectiveMean,
            s.entropy, s.completionLength, s.distinctRatio, s.gradientNorm, s.learningRate,
        ]
    }

    /// Creates the directory and `run.json`, or checks `run.json` and restores the last
    /// checkpoint. Returns the step resumed from.
    func prepareDirectory(_ dir: String) throws -> Int? {
        let fm = FileManager.default
        let runFile = (dir as NSString).appendingPathComponent("run.json")
        if fm.fileExists(atPath: runFile) {
            let data = try readFile(runFile)
            guard let saved = try? JSONDecoder().decode(RLRunSettings.self, from: data) else {
                throw ReinforceError.unreadableFile(path: runFile, reason: "not a run.json")
            }
            guard saved.sameRun(as: settings) else {
                throw ReinforceError.invalidOption(
                    name: "run directory",
                    reason: "\(dir) holds a run with other settings (see its run.json); "
                        + "use a new directory")
            }
        } else {
            try RunFiles.makeDirectory(dir)
        }
        try RunFiles.write(settings.json(), to: runFile)
        guard let last = Self.lastCheckpoint(in: dir) else { return nil }
        try restore(from: last)
        return trainer.stepCount
    }
}
