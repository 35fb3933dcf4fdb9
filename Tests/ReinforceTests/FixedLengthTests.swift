import Testing

@testable import Reinforce

/// `warp --fixed-length`: completions of exactly N tokens, the reward sees all of them.
@Suite("Warp: fixed-length completions")
struct FixedLengthTests {
    /// A model that samples the end marker `<bos>` with probability ≈ 1 − V·e⁻⁵⁰ at every
    /// position: ln_f outputs e₀ whatever its input, and only `<bos>`'s embedding has a
    /// non-zero first coordinate, so logits = (50, 0, …, 0).
    static func endMarkerLover() throws -> GPT {
        let model = try RunFixture.model(seed: 9)
        let c = model.config.dModel, p = model.parameters.pointer
        let lnw = try #require(model.layout.entry("ln_f.weight"))
        let lnb = try #require(model.layout.entry("ln_f.bias"))
        let wte = try #require(model.layout.entry("wte.weight"))
        for k in 0..<c {
            p[lnw.offset + k] = 0
            p[lnb.offset + k] = k == 0 ? 1 : 0
        }
        for v in 0..<model.config.vocabSize { p[wte.offset + v * c] = 0 }
        p[wte.offset + Vocabulary.bos * c] = 50
        return model
    }

    /// The reward a completion gets is its token count.
    static let countTokens = ClosureReward { _, completion, _ in Double(completion.count) }

    static func settings(fixedLength: Bool) -> WarpSettings {
        var s = WarpSettings()
        s.fixedLength = fixedLength
        s.reinforce.newTokens = 5
        s.reinforce.batchSize = 4
        s.evaluation = RunFixture.evaluation(prompts: 4)
        return s
    }

    @Test func samplerProducesExactlyNTokensWithoutTheStop() throws {
        let model = try Self.endMarkerLover()
        let sampler = GPTSampler(config: model.config, capacity: 3)
        let prompts = [[0, 5], [0, 6, 7], [0]]
        var g = SeededGenerator(seed: 3)
        let stopped = try sampler.sample(
            model: model, prompts: prompts, newTokens: 6, temperature: 1, stopAtEnd: true,
            generator: &g)
        #expect(stopped == [[0], [0], [0]])
        let fixed = try sampler.sample(
            model: model, prompts: prompts, newTokens: 6, temperature: 1, stopAtEnd: false,
            generator: &g)
        #expect(fixed.map(\.count) == [6, 6, 6])
    }

    @Test func runsAndEvaluationSampleNTokensWhenFixed() throws {
        let model = try Self.endMarkerLover()
        for fixed in [false, true] {
            let s = Self.settings(fixedLength: fixed)
            let run = s.runSettings(iteration: 1, run: 1)
            #expect(run.reinforce.stopAtEnd == !fixed)
            #expect(s.baselineSettings(beta: 0.1, index: 0).reinforce.stopAtEnd == !fixed)
            let trainer = try ReinforceTrainer(
                policy: model.copy(), reference: model, reward: Self.countTokens,
                vocabulary: RunFixture.vocabulary, prompts: PromptSet.training(seed: 1),
                settings: run.reinforce)
            let stats = try trainer.step()
            #expect(stats.rewardMean == (fixed ? 5 : 1))
            let evaluator = try PolicyEvaluator(
                sft: model, reward: Self.countTokens, vocabulary: RunFixture.vocabulary,
                settings: s.evaluationSettings)
            #expect(try evaluator.evaluate(model).reward == (fixed ? 5 : 1))
        }
    }

    @Test func wholeCompletionShowsTheRewardEveryTokenButTheMarker() throws {
        let bos = Vocabulary.bos
        let r = try WholeCompletion(Self.countTokens).rewards(
            prompts: [[bos], [bos]], completions: [[bos, 5, bos, 7], [4, 5, 6]],
            vocabulary: RunFixture.vocabulary)
        #expect(r == [2, 3])
        // The lexicon reward reads up to the first marker only; wrapped, it reads past it.
        let v = RunFixture.vocabulary
        let good = try #require(v.id("great"))
        let plain = try SentimentLexiconReward().rewards(
            prompts: [[bos]], completions: [[bos, good]], vocabulary: v)
        let whole = try WholeCompletion(SentimentLexiconReward()).rewards(
            prompts: [[bos]], completions: [[bos, good]], vocabulary: v)
        #expect(whole[0] > plain[0])
    }

    @Test func fixedLengthSettingsMakeTheWholeCompletionReward() throws {
        #expect(try Self.settings(fixedLength: true).makeReward() is WholeCompletion)
        #expect(try Self.settings(fixedLength: false).makeReward() is SentimentLexiconReward)
        var s = Self.settings(fixedLength: true)
        s.lengthPenalty = 0.01
        #expect(s.rewardRecord == "lexicon+length(0.01)+whole")
        #expect(s.evaluationSettings.newTokens == 5)
        #expect(s.evaluationSettings.stopAtEnd == false)
    }
}
