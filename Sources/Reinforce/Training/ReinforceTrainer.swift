/// REINFORCE with a KL-regularised reward against an anchor (static SFT or EMA of the policy).
///
/// Each step (WARP Algorithm 1, lines 6–9):
///
///     x_i ~ prompts, y_i ~ π_θ(·|x_i)^(1/τ)                   i = 1…B, N tokens each
///     R_i = r(x_i, y_i) − β·Σ_t [log π_θ(y_t|·) − log π_anchor(y_t|·)]   (no gradient)
///     A_i = R_i − b_i          (b = batch mean, or leave-one-out mean)
///     θ ← Adam(θ, ∇θ −(1/B) Σ_i A_i Σ_t log π_θ(y_t|·))      (clipped, with warmup)
///     θ_ema ← (1 − μ)·θ_ema + μ·θ                           (EMA anchor only)
///
/// - Complexity: per step one sampling pass (KV cache) that also records the policy's forward
///   of the sampled batch (a separate forward only when every row ended early), one backward of
///   the policy and one forward per reference model at (B, prompt + N), plus O(P) for Adam
///   and the EMA. Buffers are allocated once.
/// - SeeAlso: WARP paper §2 (eq. 1–2, REINFORCE with KL), §3.1 (EMA anchor), Algorithm 1.
public final class ReinforceTrainer: @unchecked Sendable {
    public let settings: ReinforceSettings
    /// The policy being trained (updated in place).
    public let policy: GPT
    /// The anchor of the KL term: the EMA (updated in place) or the frozen reference.
    public let anchor: GPT
    /// Optional SFT reference for logging KL to SFT (may be the anchor itself).
    public let reference: GPT?
    public let reward: any RewardFunction
    public let vocabulary: Vocabulary
    public let optimizer: AdamW
    /// Training prompts; a checkpoint can save and restore it to resume the same stream.
    public var prompts: PromptStream
    /// The sampling generator (also part of a checkpoint).
    public var generator: SeededGenerator
    /// Steps done so far.
    public var stepCount = 0

    let sampler: GPTSampler
    let policyWorkspace, anchorWorkspace: GPTWorkspace
    let referenceWorkspace: GPTWorkspace?

    /// - Parameters:
    ///   - policy: θ, trained in place.
    ///   - anchor: the frozen anchor for `.fixed`; ignored for `.ema` (the EMA starts as a
    ///     copy of `policy`).
    ///   - reference: the SFT model for the KL-to-SFT statistic (optional).
    /// - Throws: `ReinforceError.invalidOption` for bad settings, a missing fixed anchor, or models
    ///   of different configs; `.sequenceTooLong` if N exceeds the context.
    public init(
        policy: GPT, anchor fixedAnchor: GPT? = nil, reference: GPT? = nil,
        reward: any RewardFunction, vocabulary: Vocabulary, prompts: PromptStream,
        settings: ReinforceSettings = ReinforceSettings()
    ) throws {
        try settings.validate()
        let config = policy.config
        guard vocabulary.count <= config.vocabSize else {
            throw ReinforceError.invalidOption(
                name: "vocabulary",
                reason: "\(vocabulary.count) tokens but the model has \(config.vocabSize)")
        }
        switch settings.anchor {
        case .ema: anchor = policy.copy()
        case .fixed:
            guard let fixedAnchor else {
                throw ReinforceError.invalidOption(
                    name: "anchor", reason: "a fixed anchor needs a model")
            }
            anchor = fixedAnchor
        }
        for other in [anchor, reference].compactMap({ $0 }) where other.config != config {
            throw ReinforceError.invalidOption(name: "reference", reason: "model configs differ")
        }
        guard settings.newTokens < config.context else {
            throw ReinforceError.sequenceTooLong(
                index: 0, length: settings.newTokens + 1,
                context: config.context)
        }
        self.settings = settings
        self.policy = policy
        self.reference = reference
        self.reward = reward
        self.vocabulary = vocabulary
        self.prompts = prompts
        generator = SeededGenerator.derived(seed: settings.seed, stream: 0x524C_5341_4D50)
        optimizer = AdamW(layout: policy.layout, settings: settings.optimizer)
        let b = settings.batchSize, t = config.context
        sampler = GPTSampler(config: config, capacity: b)
        policyWorkspace = GPTWorkspace(config: config, capacity: b, length: t, training: true)
        anchorWorkspace = GPTWorkspace(config: config, capacity: b, length: t, training: false)
        referenceWorkspace = reference.map { _ in
            GPTWorkspace(config: config, capacity: b, length: t, training: false)
        }
    }

    /// One REINFORCE step: sample, score, update the policy, then the EMA anchor.
    /// - Throws: the reward function's errors, `ReinforceError` for prompts too long for the
    ///   context (prompt + N − 1 positions) or with ids outside the vocabulary.
    @discardableResult
    public func step() throws -> ReinforceStepStats {
        let s = settings, b = s.batchSize
        let xs = prompts.next(b)
        let ys = try sampler.sample(
            model: policy, prompts: xs, newTokens: s.newTokens,
            temperature: s.temperature, stopAtEnd: s.stopAtEnd,
            generator: &generator, recordInto: policyWorkspace)
        let r = try reward.rewards(prompts: xs, completions: ys, vocabulary: vocabulary)
        guard r.count == b else {
            throw ReinforceError.batchMismatch(prompts: b, completions: r.count)
        }
        let batch = try TokenBatch(
            sequences: zip(xs, ys).map { $0 + $1 },
            lossFrom: xs.map(\.count), maxSteps: policy.config.context)
        // The sampler recorded the policy's forward of this batch unless sampling stopped early.
        let pol =
            try policy.scoreRecorded(batch, workspace: policyWorkspace)
            ?? policy.score(batch, workspace: policyWorkspace)
        let anc = try anchor.sequenceLogProbs(batch, workspace: anchorWorkspace)
        let logPi = pol.sequenceLogProbs
        let kl = (0..<b).map { logPi[$0] - anc[$0] }
        var klSFT: Double?
        if let reference, let ws = referenceWorkspace {
            let ref =
                reference === anchor
                ? anc
                : try reference.sequenceLogProbs(batch, workspace: ws)
            klSFT = (0..<b).reduce(0.0) { $0 + logPi[$1] - ref[$1] } / Double(b)
        }
        let objective = (0..<b).map { r[$0] - Double(s.beta) * kl[$0] }
        let advantages = Self.advantages(objective, baseline: s.baseline)
        let weights = advantages.map { Float(-$0 / Double(b)) }
        let lr = optimizer.currentLearningRate
        policyWorkspace.gradients.zero()
        policy.backwardWeightedLogProb(weights: weights, batch: batch, workspace: policyWorkspace)
        let norm = optimizer.update(
            parameters: policy.parameters,
            gradients: policyWorkspace.gradients)
        if case let .ema(mu) = s.anchor { EMA.update(anchor, towards: policy, rate: mu) }
        stepCount += 1
        return Self.statistics(
            step: stepCount, rewards: r, kl: kl, klSFT: klSFT,
            objective: objective, scores: pol, batch: batch,
            completions: ys, gradientNorm: norm, learningRate: lr)
    }

    /// `steps` steps; the statistics of each.
    public func train(steps: Int) throws -> [ReinforceStepStats] {
        try (0..<steps).map { _ in try step() }
    }
}
