/// What the study measured on one seed, on that seed's held-out prompts and draws (common
/// random numbers: every policy of the seed is evaluated on the same prompts and samples).
/// Written as `seed-S/study-seed.json`; a seed with this file is finished.
public struct StudySeed: Codable, Sendable {
    /// Reward, KL(π‖π_sft) and length of one evaluated policy.
    public struct Policy: Codable, Sendable, Equatable {
        public var reward: Double
        public var kl: Double
        public var length: Double

        public init(_ e: EvaluationResult) {
            reward = e.reward
            kl = e.kl
            length = e.length
        }

        public init(reward: Double, kl: Double, length: Double) {
            self.reward = reward
            self.kl = kl
            self.length = length
        }
    }

    /// Mean pairwise cosines of one group (the whole model or a block).
    public struct Cosines: Codable, Sendable, Equatable {
        public var group: String
        public var taskVector: Double?
        public var weight: Double?
    }

    public var seed: UInt64
    /// Iteration 1's runs (θ_T) and their EMAs.
    public var runs: [Policy]
    public var emas: [Policy]
    /// SLERP of all runs at the loop's granularity (η = 1 of iteration 1's front).
    public var slerp: Policy
    /// LERP (uniform weight average) of the same runs.
    public var lerp: Policy
    /// SLERP at the other granularity (per tensor when the loop merges per layer, else per
    /// layer), and which one it is.
    public var slerpOther: Policy
    public var otherGranularity: String
    /// SLERP of the first M runs, for M = 2 … min(runs, 4) (nested subsets).
    public var slerpByM: [Int: Policy]
    /// Whole model first, then one entry per block.
    public var cosines: [Cosines]
    /// Iteration 1's LITI front − the EMA-anchored runs' trajectories at matched KL.
    public var frontMinusTrajectories: MatchedKL.Gap
    /// Iteration 1's LITI front − the SFT-anchored baselines' front at matched KL.
    public var frontMinusBaselines: MatchedKL.Gap
    /// Observation 1: the EMA-anchored trajectories − the SFT-anchored baselines' front at
    /// matched KL (the negative of the baselines' front's gap to them).
    public var emaMinusBaselines: MatchedKL.Gap
    /// Observation 6 (I > 1): the final front towards SFT − iteration 1's front at matched KL.
    public var finalMinusFirst: MatchedKL.Gap?
    /// Observation 6 as the paper's Figure 4(c) draws it (I > 1): the last iteration's front
    /// (towards its own init) − iteration 1's front at matched KL.
    public var lastMinusFirst: MatchedKL.Gap?
    /// The seed's iteration-1 LITI front and, for I > 1, its final front (for the figure).
    public var front: [MatchedKL.Point]
    public var finalFront: [MatchedKL.Point]
    public var seconds: Double
    /// I > 1: the last iteration's SLERP (η = 1 of its own front), the end point the final
    /// front interpolates from (nil in files written before it was measured, and for I = 1).
    public var lastSlerp: Policy? = nil
    /// I > 1: the final front towards SFT at iteration 1's SLERP's KL − that SLERP's reward
    /// (one point; not comparable when the final front does not reach that KL).
    public var finalAtFirstSlerp: MatchedKL.Gap? = nil
}
