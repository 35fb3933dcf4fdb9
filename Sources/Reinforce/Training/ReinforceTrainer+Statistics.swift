/// Step statistics of the REINFORCE trainer.
extension ReinforceTrainer {
    /// A_i = R_i − b_i with b = mean(R) (`.batchMean`) or b_i = (Σ_j R_j − R_i)/(B − 1)
    /// (`.leaveOneOut`, B ≥ 2).
    public static func advantages(
        _ objective: [Double], baseline: ReinforceSettings.Baseline
    ) -> [Double] {
        let b = Double(objective.count), total = objective.reduce(0, +)
        return objective.map { r in
            switch baseline {
            case .batchMean: r - total / b
            case .leaveOneOut: r - (total - r) / (b - 1)
            }
        }
    }

    static func statistics(
        step: Int, rewards r: [Double], kl: [Double], klSFT: Double?,
        objective: [Double], scores: TokenScores, batch: TokenBatch,
        completions: [[Int]], gradientNorm: Float,
        learningRate: Float
    ) -> ReinforceStepStats {
        let b = Double(r.count)
        let mean = r.reduce(0, +) / b
        let std = (r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / b).squareRoot()
        var entropy = 0.0, positions = 0.0
        for i in batch.mask.indices where batch.mask[i] > 0 {
            entropy += Double(scores.entropies[i])
            positions += 1
        }
        var length = 0.0, distinct = 0.0
        for y in completions {
            let words = y.prefix { $0 != Vocabulary.bos }
            length += Double(words.count)
            distinct += words.isEmpty ? 1 : Double(Set(words).count) / Double(words.count)
        }
        return ReinforceStepStats(
            step: step, rewardMean: mean, rewardStd: std, klToAnchor: kl.reduce(0, +) / b,
            klToSFT: klSFT, objectiveMean: objective.reduce(0, +) / b,
            entropy: entropy / max(positions, 1), completionLength: length / b,
            distinctRatio: distinct / b, gradientNorm: Double(gradientNorm),
            learningRate: Double(learningRate))
    }
}
