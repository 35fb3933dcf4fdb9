import Foundation
import Testing

@testable import Reinforce

private let vocab = ReviewCorpus.vocabulary
private func ids(_ text: String) -> [Int] { vocab.encode(text) }
private func lexicon(_ completions: [String]) throws -> [Double] {
    try SentimentLexiconReward().rewards(
        prompts: completions.map { _ in [0] }, completions: completions.map(ids),
        vocabulary: vocab)
}

@Suite struct TaskRewardTests {
    @Test func lexiconScoresWithNegation() throws {
        // Hand-computed: sum of (signed) valences over ALL tokens, punctuation included.
        let r = try lexicon([
            "the battery is not good .",  // good 0.6 negated: −0.6 / 6
            "great great",  // (0.8 + 0.8) / 2
            "not very bad",  // bad −0.6 negated across the intensifier: +0.6 / 3
            "not . good",  // negation lapses at '.': 0.6 / 3
            "never never excellent",  // double negation cancels: 1.0 / 3
            "it never works",  // works 0.3 negated: −0.3 / 3
            "the phone",  // no sentiment: 0
            "",  // empty: 0
        ])
        let expected = [-0.1, 0.8, 0.2, 0.2, 1.0 / 3, -0.1, 0, 0]
        #expect(r.count == expected.count)
        for (a, b) in zip(r, expected) { #expect(abs(a - b) < 1e-12) }
    }

    @Test func lexiconStopsAtTheEndMarker() throws {
        let reward = SentimentLexiconReward()
        let r = try reward.rewards(
            prompts: [[0], [0]],
            completions: [ids("excellent") + [0] + ids("terrible terrible"), [0] + ids("good")],
            vocabulary: vocab)
        #expect(r == [1.0, 0.0])
        #expect(throws: ReinforceError.batchMismatch(prompts: 1, completions: 2)) {
            try reward.rewards(prompts: [[0]], completions: [[], []], vocabulary: vocab)
        }
    }

    @Test func lexiconCoversTheGrammarAndStaysInRange() {
        let lexicon = SentimentLexicon.builtIn
        #expect((90...140).contains(lexicon.valences.count))
        #expect(lexicon.valences.values.allSatisfy { (-1...1).contains($0) })
        for word in ["not", "never", "no", "hardly"] { #expect(lexicon.negations.contains(word)) }
        // every lexicon word the grammar can say is in the built-in vocabulary
        let inGrammar = lexicon.valences.keys.filter { vocab.id($0) != nil }
        #expect(inGrammar.count > 90)
    }

    @Test func repeatingOnePositiveWordBeatsEveryReview() throws {
        let corpus = ReviewCorpus.builtIn(count: 1000, seed: 21)
        let reward = SentimentLexiconReward()
        let hack = try reward.rewards(
            prompts: [[0]],
            completions: [
                Array(
                    repeating:
                        vocab.id("excellent")!, count: 12)
            ], vocabulary: vocab)[0]
        #expect(hack == 1.0)
        let completions = corpus.sequences.map { Array($0.dropFirst()) }
        let normal = try reward.rewards(
            prompts: completions.map { _ in [0] },
            completions: completions, vocabulary: vocab)
        #expect(normal.allSatisfy { $0 <= hack })
        #expect(normal.max()! < 0.9)
    }

    @Test func lengthPenaltySubtractsAlphaTimesLength() throws {
        let one = ClosureReward { _, _, _ in 1 }
        let penalised = LengthPenalty(one, coefficient: 0.1)
        let r = try penalised.rewards(
            prompts: [[0], [0], [0]],
            completions: [[5, 6, 7], [5, 6, 0, 7], []],
            vocabulary: vocab)
        let expected = [1 - 0.3, 1 - 0.2, 1.0]
        for (a, b) in zip(r, expected) { #expect(abs(a - b) < 1e-12) }
        #expect(LengthPenalty(one).coefficient == 0.0005)
    }

    @Test func compositeRewardIsAWeightedSum() throws {
        let length = ClosureReward { _, c, _ in Double(c.count) }
        let composite = CompositeReward([(2, SentimentLexiconReward()), (-0.5, length)])
        let r = try composite.rewards(
            prompts: [[0]], completions: [ids("great great")],
            vocabulary: vocab)
        #expect(abs(r[0] - (2 * 0.8 - 0.5 * 2)) < 1e-12)
    }
}

@Suite struct TaskRewardSpecTests {
    @Test func specsNameTheirRewards() throws {
        #expect(try RewardSpec.make("lexicon") is SentimentLexiconReward)
        let external = try RewardSpec.make("external:awk '{print 1}'") as? ExternalReward
        #expect(external?.command == "awk '{print 1}'")
        let penalised = try RewardSpec.make("lexicon", lengthPenalty: 0.01) as? LengthPenalty
        #expect(penalised?.coefficient == 0.01)
        #expect(throws: ReinforceError.unknownReward(spec: "rm")) { try RewardSpec.make("rm") }
        #expect(throws: ReinforceError.unknownReward(spec: "external: ")) {
            try RewardSpec.make("external: ")
        }
    }
}
