/// Settings of an evaluation: which prompts, how many samples, and the fixed draws.
public struct EvaluationSettings: Codable, Sendable, Equatable {
    /// Held-out prompts (`PromptSet.evaluation(count:)`).
    public var promptCount = 64
    /// Completions sampled per prompt.
    public var samplesPerPrompt = 1
    /// Sampled tokens per completion (stops early at `<bos>` unless `stopAtEnd` is false).
    public var newTokens = 12
    /// Sampling temperature. 1 samples from π itself, so the summed per-token KL averages
    /// to the sequence-level KL(π‖π_sft) (chain rule); τ ≠ 1 changes what is measured.
    public var temperature: Float = 1
    /// Seed of the draws: batch k always uses the generator derived from (seed, k).
    public var seed: UInt64 = 0
    /// Rows per forward pass.
    public var batchSize = 32
    /// Stop a completion at its first `<bos>` (false: fixed-length completions of
    /// `newTokens`, as the runs sample them with `ReinforceSettings.stopAtEnd == false`).
    public var stopAtEnd = true

    public init() {}

    /// Throws `ReinforceError.invalidOption` for an out-of-range value.
    public func validate() throws {
        func bad(_ name: String, _ value: Any) -> ReinforceError {
            .invalidOption(name: name, reason: "\(value) is out of range")
        }
        guard promptCount >= 1 else { throw bad("prompt count", promptCount) }
        guard samplesPerPrompt >= 1 else { throw bad("samples per prompt", samplesPerPrompt) }
        guard newTokens >= 1 else { throw bad("new tokens", newTokens) }
        guard temperature > 0 && temperature.isFinite else { throw bad("temperature", temperature) }
        guard batchSize >= 1 else { throw bad("batch size", batchSize) }
    }
}

/// Mean reward and KL(π‖π_sft) of a policy on a fixed held-out prompt set with fixed draws.
///
/// For every prompt x (× `samplesPerPrompt`), y ~ π(·|x) with the fixed generator, then
///
///     reward = mean r(x, y)
///     KL     = mean Σ_t KL(π(·|x, y_<t) ‖ π_sft(·|x, y_<t))      (exact per token, full V)
///
/// which at τ = 1 is an unbiased estimate of the sequence KL E_y[log π(y|x) − log π_sft(y|x)]
/// with lower variance than the log-ratio; the log-ratio estimate is reported too.
/// Every evaluator with the same settings and prompts uses the same draws, so checkpoints are
/// compared on common random numbers.
///
/// Not thread-safe (it owns workspaces): use one evaluator per thread.
/// - Complexity: per batch one sampling pass and two forwards (policy, SFT) at
///   (B, prompt + N); O(B·T·V) for the KL.
/// - SeeAlso: WARP paper §4 (evaluation: reward and KL to the SFT policy on held-out prompts).
public final class PolicyEvaluator: @unchecked Sendable {
    public let sft: GPT
    public let reward: any RewardFunction
    public let vocabulary: Vocabulary
    public let prompts: PromptSet
    public let settings: EvaluationSettings
    let sampler: GPTSampler
    let policyWorkspace, sftWorkspace: GPTWorkspace

    /// Salt of the evaluation draws' streams.
    static let drawStream: UInt64 = 0x4556_414C_5F44_5257

    /// - Throws: `ReinforceError.invalidOption` for bad settings or an empty prompt set.
    public init(
        sft: GPT, reward: any RewardFunction, vocabulary: Vocabulary,
        prompts: PromptSet? = nil, settings: EvaluationSettings = EvaluationSettings()
    )
        throws
    {
        try settings.validate()
        let set = prompts ?? PromptSet.evaluation(count: settings.promptCount)
        guard !set.prompts.isEmpty else {
            throw ReinforceError.invalidOption(name: "prompts", reason: "the prompt set is empty")
        }
        self.sft = sft
        self.reward = reward
        self.vocabulary = vocabulary
        self.prompts = set
        self.settings = settings
        let c = sft.config
        sampler = GPTSampler(config: c, capacity: settings.batchSize)
        policyWorkspace = GPTWorkspace(
            config: c, capacity: settings.batchSize,
            length: c.context, training: false)
        sftWorkspace = GPTWorkspace(
            config: c, capacity: settings.batchSize,
            length: c.context, training: false)
    }

    /// Evaluates `policy` (same config as the SFT model).
    /// - Throws: `ReinforceError.invalidOption` for a different config, the reward's errors, and
    ///   `ReinforceError.sequenceTooLong` when prompt + N exceeds the context.
    public func evaluate(_ policy: GPT, label: String = "") throws -> EvaluationResult {
        guard policy.config == sft.config else {
            throw ReinforceError.invalidOption(
                name: "policy", reason: "config differs from the SFT model")
        }
        let rows = prompts.prompts.flatMap {
            Array(repeating: $0, count: settings.samplesPerPrompt)
        }
        var acc = EvaluationAccumulator()
        var start = 0, k: UInt64 = 0
        while start < rows.count {
            let xs = Array(rows[start..<min(start + settings.batchSize, rows.count)])
            var generator = SeededGenerator.derived(
                seed: settings.seed, stream: Self.drawStream &+ k)
            let ys = try sampler.sample(
                model: policy, prompts: xs, newTokens: settings.newTokens,
                temperature: settings.temperature, stopAtEnd: settings.stopAtEnd,
                generator: &generator)
            let r = try reward.rewards(prompts: xs, completions: ys, vocabulary: vocabulary)
            guard r.count == xs.count else {
                throw ReinforceError.batchMismatch(prompts: xs.count, completions: r.count)
            }
            let batch = try TokenBatch(
                sequences: zip(xs, ys).map { $0 + $1 },
                lossFrom: xs.map(\.count), maxSteps: sft.config.context)
            let measured = try measure(policy, batch: batch)
            acc.add(
                rewards: r, kl: measured.kl, logRatio: measured.logRatio,
                entropy: measured.entropy, completions: ys)
            start += xs.count
            k += 1
        }
        return acc.result(label: label)
    }

    /// For each row of `batch`: the exact KL Σ_t KL(π‖π_sft) over the counted positions, the
    /// log-ratio Σ_t log π(y_t) − log π_sft(y_t), and the summed entropy of π.
    /// - Complexity: two forwards at the batch's (B, T), O(B·T·V).
    public func measure(_ policy: GPT, batch: TokenBatch) throws
        -> (kl: [Double], logRatio: [Double], entropy: [Double])
    {
        let pol = try policy.score(batch, workspace: policyWorkspace)
        let ref = try sft.score(batch, workspace: sftWorkspace)
        let perToken = GPT.klDivergence(
            policy: policyWorkspace, reference: sftWorkspace,
            batch: batch)
        let t = batch.steps
        var kl: [Double] = [], ratio: [Double] = [], entropy: [Double] = []
        let lp = pol.sequenceLogProbs, lq = ref.sequenceLogProbs
        for b in 0..<batch.batch {
            var s = 0.0, h = 0.0
            for p in 0..<t where batch.mask[b * t + p] > 0 {
                s += Double(perToken[b * t + p])
                h += Double(pol.entropies[b * t + p])
            }
            kl.append(s)
            entropy.append(h)
            ratio.append(lp[b] - lq[b])
        }
        return (kl, ratio, entropy)
    }
}
