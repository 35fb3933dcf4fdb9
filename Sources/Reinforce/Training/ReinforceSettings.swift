/// Settings of a REINFORCE run (WARP paper §2–3, Algorithm 1 lines 5–9).
public struct ReinforceSettings: Codable, Sendable, Equatable {
    /// What the KL term is measured against.
    public enum AnchorKind: Codable, Sendable, Equatable {
        /// The policy's exponential moving average, θ_ema ← (1−μ)θ_ema + μθ after every step,
        /// starting from the initial policy (WARP's EMA anchor; paper default μ = 0.01).
        case ema(rate: Float)
        /// A frozen reference, usually the SFT model (classical RLHF).
        case fixed
    }

    /// Baseline subtracted from each sample's KL-regularised reward.
    public enum Baseline: String, Codable, Sendable, Equatable {
        /// b = mean of the batch (one shared baseline; slightly biased, low variance).
        case batchMean
        /// b_i = mean of the other B − 1 samples (unbiased).
        case leaveOneOut
    }

    /// Completions per step B.
    public var batchSize = 16
    /// Sampled tokens per completion N (a completion stops early at `<bos>`).
    public var newTokens = 12
    /// Sampling temperature τ. 0.9 as in the paper (§4 setup); log π for the gradient and the
    /// KL is the untempered policy, so τ < 1 makes the samples slightly off-policy.
    public var temperature: Float = 0.9
    /// KL coefficient β (paper default 0.1).
    public var beta: Float = 0.1
    public var anchor = AnchorKind.ema(rate: 0.01)
    public var baseline = Baseline.batchMean
    /// Adam (no weight decay) with warmup and clipping. lr 1e-3 makes the default tiny model
    /// learn the lexicon reward within a few hundred steps.
    public var optimizer = AdamW.Settings(
        learningRate: 1e-3, weightDecay: 0, warmupSteps: 10,
        clipNorm: 1)
    /// Seed of the sampling generator.
    public var seed: UInt64 = 0
    /// Stop a completion at its first `<bos>` (the end marker).
    public var stopAtEnd = true

    public init() {}

    /// Throws `ReinforceError.invalidOption` for a value outside its range.
    public func validate() throws {
        func bad(_ name: String, _ value: Any) -> ReinforceError {
            .invalidOption(name: name, reason: "\(value) is out of range")
        }
        guard batchSize >= 1 else { throw bad("batch size", batchSize) }
        guard baseline != .leaveOneOut || batchSize >= 2 else {
            throw ReinforceError.invalidOption(
                name: "baseline",
                reason: "leave-one-out needs a batch of at least 2")
        }
        guard newTokens >= 1 else { throw bad("new tokens", newTokens) }
        guard temperature > 0 && temperature.isFinite else { throw bad("temperature", temperature) }
        guard beta >= 0 && beta.isFinite else { throw bad("beta", beta) }
        if case let .ema(mu) = anchor, !(mu >= 0 && mu <= 1) { throw bad("ema rate", mu) }
        try optimizer.validateValues()
    }
}

/// What one REINFORCE step measured (before its update).
public struct ReinforceStepStats: Codable, Sendable, Equatable {
    /// 1-based step number.
    public var step: Int
    /// Mean and standard deviation of the task reward r over the batch.
    public var rewardMean: Double
    public var rewardStd: Double
    /// Mean over the batch of Σ_t log π(y_t|·) − log π_anchor(y_t|·) on the samples.
    public var klToAnchor: Double
    /// Same estimator against the SFT reference, when one was given.
    public var klToSFT: Double?
    /// Mean of the regularised reward r − β·KL_anchor.
    public var objectiveMean: Double
    /// Mean exact per-token entropy of π at the sampled positions (nats).
    public var entropy: Double
    /// Mean completion length in tokens (the end marker excluded).
    public var completionLength: Double
    /// Mean over completions of distinct tokens / tokens (1 = no repetition).
    public var distinctRatio: Double
    /// Global gradient norm before clipping, and the learning rate used.
    public var gradientNorm: Double
    public var learningRate: Double
}

extension AdamW.Settings {
    /// Throws `ReinforceError.invalidOption` unless lr is finite and > 0, β₁ and β₂ lie in
    /// [0, 1), ε is finite and > 0, the weight decay is finite and ≥ 0, the clip norm finite
    /// and the warmup ≥ 0 (a NaN here would make every parameter NaN after one step).
    public func validateValues() throws {
        func bad(_ name: String, _ value: Any) -> ReinforceError {
            .invalidOption(name: name, reason: "\(value) is out of range")
        }
        guard learningRate > 0 && learningRate.isFinite else {
            throw bad("learning rate", learningRate)
        }
        guard beta1 >= 0 && beta1 < 1 else { throw bad("adam beta1", beta1) }
        guard beta2 >= 0 && beta2 < 1 else { throw bad("adam beta2", beta2) }
        guard epsilon > 0 && epsilon.isFinite else { throw bad("adam epsilon", epsilon) }
        guard weightDecay >= 0 && weightDecay.isFinite else {
            throw bad("weight decay", weightDecay)
        }
        guard warmupSteps >= 0 else { throw bad("warmup steps", warmupSteps) }
        guard clipNorm.isFinite else { throw bad("clip norm", clipNorm) }
    }
}
