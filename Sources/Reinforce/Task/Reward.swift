/// A reward on sampled completions: one score per (prompt, completion) pair.
///
/// Prompt ids begin with `<bos>`; completion ids are the sampled tokens. The completion's
/// text ends at its first `<bos>` (the end marker): `RewardText.completion(_:)` gives those
/// tokens. Rewards must be deterministic for the same inputs so runs are reproducible.
public protocol RewardFunction: Sendable {
    /// One score per (prompt, completion), in order.
    /// - Throws: `ReinforceError` (e.g. `.batchMismatch`, or an external command's failure).
    func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary) throws
        -> [Double]
}

/// Helpers shared by reward functions.
public enum RewardText {
    /// The completion up to (not including) its first `<bos>`, the end marker.
    public static func completion(_ ids: [Int]) -> ArraySlice<Int> {
        ids.prefix { $0 != Vocabulary.bos }
    }

    /// Throws unless there are as many prompts as completions.
    public static func checkBatch(prompts: [[Int]], completions: [[Int]]) throws {
        guard prompts.count == completions.count else {
            throw ReinforceError.batchMismatch(
                prompts: prompts.count,
                completions: completions.count)
        }
    }
}

/// A reward from a closure, e.g. for tests or a quick experiment.
///
///     ClosureReward { prompt, completion, vocabulary in Double(completion.count) }
public struct ClosureReward: RewardFunction {
    let score: @Sendable ([Int], [Int], Vocabulary) throws -> Double

    public init(
        _ score:
            @escaping @Sendable (
                _ prompt: [Int], _ completion: [Int],
                _ vocabulary: Vocabulary
            ) throws -> Double
    ) {
        self.score = score
    }

    public func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary)
        throws -> [Double]
    {
        try RewardText.checkBatch(prompts: prompts, completions: completions)
        return try zip(prompts, completions).map { try score($0, $1, vocabulary) }
    }
}

/// A weighted sum of rewards: r = Σₖ wₖ · rₖ (WARP paper appendix E merges policies trained
/// with different rewards; this trains one policy on a mix).
public struct CompositeReward: RewardFunction {
    public let parts: [(weight: Double, reward: any RewardFunction)]

    public init(_ parts: [(weight: Double, reward: any RewardFunction)]) {
        self.parts = parts
    }

    public func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary)
        throws -> [Double]
    {
        try RewardText.checkBatch(prompts: prompts, completions: completions)
        var total = [Double](repeating: 0, count: prompts.count)
        for (weight, reward) in parts {
            let r = try reward.rewards(
                prompts: prompts, completions: completions,
                vocabulary: vocabulary)
            for i in total.indices { total[i] += weight * r[i] }
        }
        return total
    }
}

/// The WARP paper's length penalty (appendix E, after Singhal et al. 2023):
///
///     r'(x, y) = r(x, y) − α · len(y)
///
/// with `len(y)` the number of completion tokens before the first `<bos>` end marker. The
/// paper uses α = 0.0005 per token on its reward model's scale; our lexicon reward lies in
/// [−1, 1] over 12 tokens, so a visible effect needs α around 0.01–0.05.
public struct LengthPenalty: RewardFunction {
    public let base: any RewardFunction
    /// α, the penalty per completion token.
    public let coefficient: Double

    public static let paperCoefficient = 0.0005

    public init(_ base: any RewardFunction, coefficient: Double = LengthPenalty.paperCoefficient) {
        self.base = base
        self.coefficient = coefficient
    }

    public func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary)
        throws -> [Double]
    {
        let r = try base.rewards(
            prompts: prompts, completions: completions,
            vocabulary: vocabulary)
        return zip(r, completions).map {
            $0 - coefficient * Double(RewardText.completion($1).count)
        }
    }
}
