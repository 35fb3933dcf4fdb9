import Foundation
import TestSupport
import Testing

@testable import Reinforce

@Suite struct TaskCorpusTests {
    @Test func grammarIsDeterministicBySeed() {
        let a = ReviewCorpus.builtIn(count: 100, seed: 7)
        let b = ReviewCorpus.builtIn(count: 100, seed: 7)
        let c = ReviewCorpus.builtIn(count: 100, seed: 8)
        #expect(a.texts == b.texts)
        #expect(a.sequences == b.sequences)
        #expect(a.texts != c.texts)
        #expect(Set(a.texts).count > 90)
    }

    @Test func reviewsHaveTheRightShape() {
        let corpus = ReviewCorpus.builtIn(count: 500, seed: 11, maxSequenceLength: 32)
        #expect(ReviewGrammar.templates.count >= 12)
        for (text, seq) in zip(corpus.texts, corpus.sequences) {
            #expect(seq.first == Vocabulary.bos && seq.last == Vocabulary.bos)
            #expect(seq.count <= 32)
            #expect(!seq.dropFirst().dropLast().contains(Vocabulary.bos))
            #expect(text.hasSuffix(".") || text.hasSuffix("!"))
            let sentences = Vocabulary.tokenize(text).filter { $0 == "." || $0 == "!" }.count
            #expect((1...3).contains(sentences))
        }
        let all = corpus.texts.joined(separator: " ")
        #expect(all.contains("not "))
        #expect(all.contains("never"))
    }

    @Test func reviewsLeanAsLabelled() {
        var generator = SeededGenerator(seed: 5)
        let grammar = ReviewGrammar()
        let reward = SentimentLexiconReward()
        var sums: [Sentiment: (Double, Int)] = [:]
        for _ in 0..<1500 {
            let review = grammar.review(using: &generator)
            let s = reward.score(tokens: Vocabulary.tokenize(review.text))
            let old = sums[review.sentiment] ?? (0, 0)
            sums[review.sentiment] = (old.0 + s, old.1 + 1)
        }
        func mean(_ s: Sentiment) -> Double { sums[s]!.0 / Double(sums[s]!.1) }
        #expect(mean(.positive) > 0.05)
        #expect(mean(.negative) < -0.04)
        #expect(mean(.negative) < mean(.neutral) && mean(.neutral) < mean(.positive))
    }

    /// The tests' fixture generator (TestSupport) and the library's are one sequence, so a
    /// fixture seed means the same numbers in every test target.
    @Test(arguments: [0, 1, 42, UInt64.max])
    func fixtureGeneratorIsTheLibrarySequence(_ seed: UInt64) {
        var library = SeededGenerator(seed: seed)
        var fixture = SplitMix64(seed: seed)
        #expect((0..<1000).allSatisfy { _ in library.next() == fixture.next() })
        #expect(library.state == fixture.state)
    }

    @Test func seededGeneratorMatchesSplitMix64() {
        // Reference values of SplitMix64 from seed 0 (Vigna's splitmix64.c).
        var g = SeededGenerator(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(
            SeededGenerator.derived(seed: 1, stream: 2)
                != SeededGenerator.derived(seed: 1, stream: 3))
        for _ in 0..<1000 { #expect((0..<1).contains(g.nextUnit())) }
        var counts = [0, 0, 0]
        for _ in 0..<30_000 { counts[g.index(below: 3)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
        #expect((0..<200).allSatisfy { _ in (2...4).contains(g.int(in: 2...4)) })
    }

    @Test func customCorpusFromFile() throws {
        let dir = Fixture.tempDir("task-corpus")
        defer { Fixture.cleanup(dir) }
        let path = dir + "/docs.txt"
        try Data("Great phone!\n\n   \nBad battery, great screen.\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let corpus = try Corpus(fileAt: path)
        #expect(corpus.texts == ["Great phone!", "Bad battery, great screen."])
        #expect(corpus.vocabulary.tokens.prefix(3) == ["<bos>", "<unk>", "great"])
        #expect(corpus.vocabulary.decode(corpus.sequences[1]) == "bad battery, great screen.")
        #expect(corpus.sequences[0].first == 0 && corpus.sequences[0].last == 0)

        let small = try Corpus(fileAt: path, maxVocabularySize: 3)
        #expect(small.sequences[0] == [0, 2, 1, 1, 0])

        let missing = dir + "/none.txt"
        #expect(throws: ReinforceError.fileNotFound(path: missing)) { try Corpus(fileAt: missing) }
        let empty = dir + "/empty.txt"
        try Data("\n  \n".utf8).write(to: URL(fileURLWithPath: empty))
        #expect(throws: ReinforceError.emptyCorpus(path: empty)) { try Corpus(fileAt: empty) }
    }

    @Test func promptsAreFixedForEvaluationAndSeededForTraining() {
        let eval = PromptSet.evaluation(count: 64)
        #expect(eval == PromptSet.evaluation(count: 64))
        #expect(eval.prompts.count == 64)
        for p in eval.prompts {
            #expect(p.first == Vocabulary.bos)
            #expect((3...5).contains(p.count))
            #expect(!p.dropFirst().contains(Vocabulary.bos))
            #expect(!p.contains(Vocabulary.unk))
        }
        #expect(Set(eval.prompts.map(\.count)).count == 3)
        var a = PromptSet.training(seed: 1)
        var a2 = PromptSet.training(seed: 1)
        var b = PromptSet.training(seed: 2)
        let first = a.next(16)
        #expect(first == a2.next(16))
        #expect(first != b.next(16))
        #expect(a.next(16) != first)

        var docs = PromptSet.training(seed: 0, documents: [[0, 5, 6, 7, 0]], words: 2...2)
        #expect(docs.next() == [0, 5, 6])
        let short = PromptSet.evaluation(count: 2, documents: [[0, 9, 0]], words: 3...3)
        #expect(short.prompts == [[0, 9], [0, 9]])
    }
}
