import Foundation
import Testing

@testable import Reinforce

/// Reward = fraction of completion tokens equal to `target` (before the end marker).
private struct FractionReward: RewardFunction {
    let target: Int
    func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary) throws
        -> [Double]
    {
        completions.map { y in
            Double(y.filter { $0 == target }.count) / Double(max(y.count, 1))
        }
    }
}

/// Reward = mean token id / 10: varies between samples, so every step has an update.
private struct MeanIDReward: RewardFunction {
    func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary) throws
        -> [Double]
    {
        completions.map { y in Double(y.reduce(0, +)) / Double(10 * max(y.count, 1)) }
    }
}

@Suite struct TrainingTrainerTests {
    static let config = GPTConfig(layers: 1, dModel: 16, heads: 2, context: 10, vocabSize: 11)
    static let vocabulary = try! Vocabulary(
        tokens: ["<bos>", "<unk>", "a", "b", "c", "d", "e", "f", "g", "h", "i"])
    static let corpus = [
        [0, 2, 3, 4, 0], [0, 5, 6, 7, 8, 0], [0, 2, 3, 9, 0], [0, 10, 6, 7, 0],
    ]

    @Test func sftLossDecreases() throws {
        let model = try GPT(config: Self.config, seed: 1)
        var settings = SFTTrainer.Settings()
        settings.batchSize = 8
        settings.optimizer.learningRate = 1e-2
        settings.optimizer.warmupSteps = 5
        let trainer = try SFTTrainer(model: model, sequences: Self.corpus, settings: settings)
        let before = try trainer.evaluate(Self.corpus)
        let losses = try trainer.train(steps: 80)
        let after = try trainer.evaluate(Self.corpus)
        #expect(losses.count == 80)
        #expect(abs(before - log(11)) < 0.1)  // near uniform at init
        #expect(after < 0.6 * before, "loss \(before) -> \(after)")
    }

    func prompts(seed: UInt64) -> PromptStream {
        PromptStream(
            generator: SeededGenerator(seed: seed), words: 1...2,
            source: .documents(Self.corpus))
    }

    @Test func reinforceWithoutKLRaisesTheReward() throws {
        let policy = try GPT(config: Self.config, seed: 2)
        var settings = ReinforceSettings()
        settings.beta = 0
        settings.batchSize = 16
        settings.newTokens = 4
        settings.temperature = 1
        settings.optimizer.learningRate = 1e-2
        settings.stopAtEnd = false
        let trainer = try ReinforceTrainer(
            policy: policy, reference: policy.copy(), reward: FractionReward(target: 6),
            vocabulary: Self.vocabulary, prompts: prompts(seed: 1), settings: settings)
        let stats = try trainer.train(steps: 60)
        let first = stats.prefix(5).map(\.rewardMean).reduce(0, +) / 5
        let last = stats.suffix(5).map(\.rewardMean).reduce(0, +) / 5
        #expect(first < 0.3)
        #expect(last > first + 0.3, "reward \(first) -> \(last)")
        #expect(stats.last!.klToSFT! > stats.first!.klToSFT! + 0.5)
        #expect(stats.last!.entropy < stats.first!.entropy)
        #expect(stats.last!.distinctRatio < stats.first!.distinctRatio)
    }

    @Test func emaAnchorFollowsThePolicyAfterEveryStep() throws {
        let policy = try GPT(config: Self.config, seed: 3)
        let initial = policy.parameters.array.map(Double.init)
        var settings = ReinforceSettings()
        settings.batchSize = 4
        settings.newTokens = 3
        settings.anchor = .ema(rate: 0.25)
        let trainer = try ReinforceTrainer(
            policy: policy, reward: MeanIDReward(), vocabulary: Self.vocabulary,
            prompts: prompts(seed: 2), settings: settings)
        let s1 = try trainer.step()
        #expect(s1.klToAnchor == 0)  // anchor == policy before the first update
        #expect(s1.klToSFT == nil)
        let p1 = policy.parameters.array, a1 = trainer.anchor.parameters.array
        for i in stride(from: 0, to: p1.count, by: 37) {
            #expect(abs(Double(a1[i]) - (0.75 * initial[i] + 0.25 * Double(p1[i]))) < 1e-6)
        }
        let moved = zip(p1, initial).contains { Double($0) != $1 }
        #expect(moved)
    }

    @Test func sameSeedGivesTheSameRun() throws {
        func run() throws -> ([ReinforceStepStats], [Float]) {
            let policy = try GPT(config: Self.config, seed: 5)
            var settings = ReinforceSettings()
            settings.batchSize = 4
            settings.newTokens = 3
            settings.baseline = .leaveOneOut
            settings.seed = 9
            let t = try ReinforceTrainer(
                policy: policy, anchor: policy.copy(), reward: MeanIDReward(),
                vocabulary: Self.vocabulary, prompts: prompts(seed: 3),
                settings: {
                    var s = settings; s.anchor = .fixed; return s
                }())
            return (try t.train(steps: 3), policy.parameters.array)
        }
        let a = try run(), b = try run()
        #expect(a.0 == b.0)
        let sameWeights = a.1 == b.1
        #expect(sameWeights)
    }

    @Test func badSettingsThrow() throws {
        let policy = try GPT(config: Self.config, seed: 3)
        var settings = ReinforceSettings()
        settings.anchor = .fixed
        #expect(
            throws: ReinforceError.invalidOption(
                name: "anchor", reason: "a fixed anchor needs a model")
        ) {
            try ReinforceTrainer(
                policy: policy, reward: FractionReward(target: 1),
                vocabulary: Self.vocabulary, prompts: prompts(seed: 1),
                settings: settings)
        }
        settings = ReinforceSettings()
        settings.newTokens = 10
        #expect(throws: ReinforceError.sequenceTooLong(index: 0, length: 11, context: 10)) {
            try ReinforceTrainer(
                policy: policy, reward: FractionReward(target: 1),
                vocabulary: Self.vocabulary, prompts: prompts(seed: 1),
                settings: settings)
        }
        #expect(throws: ReinforceError.invalidOption(name: "corpus", reason: "no sequences")) {
            try SFTTrainer(model: policy, sequences: [])
        }
    }
}
