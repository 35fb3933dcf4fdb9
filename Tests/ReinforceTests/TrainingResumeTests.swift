import Foundation
import SafeTensors
import Testing

@testable import Reinforce

/// The trainer's public state is enough to checkpoint and resume a run bit for bit.
@Suite struct TrainingResumeTests {
    static let config = GPTConfig(layers: 1, dModel: 16, heads: 2, context: 10, vocabSize: 11)
    static let vocabulary = try! Vocabulary(
        tokens: ["<bos>", "<unk>", "a", "b", "c", "d", "e", "f", "g", "h", "i"])

    struct IDReward: RewardFunction {
        func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary) throws
            -> [Double]
        { completions.map { Double($0.reduce(0, +)) / 10 } }
    }

    func trainer(_ policy: GPT) throws -> ReinforceTrainer {
        var settings = ReinforceSettings()
        settings.batchSize = 4
        settings.newTokens = 3
        settings.anchor = .ema(rate: 0.1)
        settings.seed = 4
        let prompts = PromptStream(
            generator: SeededGenerator(seed: 8), words: 1...2,
            source: .documents([[0, 2, 3, 4, 0], [0, 5, 6, 7, 0]]))
        return try ReinforceTrainer(
            policy: policy, reward: IDReward(), vocabulary: Self.vocabulary, prompts: prompts,
            settings: settings)
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let straight = try trainer(try GPT(config: Self.config, seed: 1))
        let all = try straight.train(steps: 4)

        let first = try trainer(try GPT(config: Self.config, seed: 1))
        _ = try first.train(steps: 2)
        // checkpoint: weights as stores, optimiser moments, streams, step count
        let policyStore = first.policy.parametersStore()
        let anchorStore = first.anchor.parametersStore()
        let (step, m, v) = (first.optimizer.step, first.optimizer.m.array, first.optimizer.v.array)
        let (prompts, generator, count) = (first.prompts, first.generator, first.stepCount)

        let resumed = try trainer(try GPT(config: Self.config, store: policyStore))
        try resumed.anchor.load(from: anchorStore)
        resumed.optimizer.restore(step: step, m: m, v: v)
        resumed.prompts = prompts
        resumed.generator = generator
        resumed.stepCount = count
        let rest = try resumed.train(steps: 2)
        #expect(rest == Array(all.suffix(2)))
        let samePolicy = resumed.policy.parameters.array == straight.policy.parameters.array
        let sameAnchor = resumed.anchor.parameters.array == straight.anchor.parameters.array
        #expect(samePolicy)
        #expect(sameAnchor)
    }
}
