import Testing

@testable import Reinforce

/// `ReviewGrammar.encodedReview` (the prompt stream's id path) against encoding the text of
/// `review(using:)`: the same ids and the same generator state after, for many draws.
@Suite struct TaskEncodedReviewTests {
    static func grammars() -> [ReviewGrammar] {
        var other = ReviewGrammar()
        other.agreement = 0.2
        other.optionalRate = 0.9
        other.exclamationRate = 0.8
        other.sentences = 2...5
        return [ReviewGrammar(), other]
    }

    @Test(arguments: [1, 7, 20_240_624] as [UInt64])
    func encodedReviewEqualsEncodedText(seed: UInt64) {
        for (k, grammar) in Self.grammars().enumerated() {
            var a = SeededGenerator.derived(seed: seed, stream: 0xABC)
            var b = a
            for i in 0..<2000 {
                let text = grammar.review(using: &a).text
                let ids = grammar.encodedReview(using: &b)
                #expect(ids == ReviewCorpus.vocabulary.encode(text), "grammar \(k) review \(i)")
                #expect(a.state == b.state, "grammar \(k) review \(i)")
            }
        }
    }

    @Test func encodedReviewsUseNoUnknownToken() {
        var g = SeededGenerator.derived(seed: 3, stream: 1)
        for _ in 0..<500 {
            #expect(!ReviewGrammar().encodedReview(using: &g).contains(Vocabulary.unk))
        }
    }
}
