import Foundation
import TestSupport
import Testing

@testable import Reinforce

@Suite struct TaskVocabularyTests {
    @Test func tokenizeSplitsWordsAndPunctuation() {
        #expect(
            Vocabulary.tokenize("Great phone, NOT cheap!")
                == ["great", "phone", ",", "not", "cheap", "!"])
        #expect(Vocabulary.tokenize("  don't\tstop...  ") == ["don't", "stop", ".", ".", "."])
        #expect(Vocabulary.tokenize("") == [])
    }

    @Test func vocabularyRejectsBadTokens() {
        #expect(
            throws: ReinforceError.invalidVocabulary(
                reason: "the first two tokens must be <bos> and <unk>")
        ) {
            try Vocabulary(tokens: ["<unk>", "<bos>", "a"])
        }
        #expect(
            throws: ReinforceError.invalidVocabulary(
                reason: "the first two tokens must be <bos> and <unk>")
        ) {
            try Vocabulary(tokens: ["<bos>"])
        }
        #expect(
            throws: ReinforceError.invalidVocabulary(
                reason: "token 'a' appears twice (ids 2 and 3)")
        ) {
            try Vocabulary(tokens: ["<bos>", "<unk>", "a", "a"])
        }
        #expect(
            throws: ReinforceError.invalidVocabulary(
                reason: "token 2 'a b' is empty or holds whitespace")
        ) {
            try Vocabulary(tokens: ["<bos>", "<unk>", "a b"])
        }
        #expect(
            throws: ReinforceError.invalidVocabulary(
                reason: "token 2 '' is empty or holds whitespace")
        ) {
            try Vocabulary(tokens: ["<bos>", "<unk>", ""])
        }
    }

    @Test func encodeDecodeRoundTrip() throws {
        let v = try Vocabulary(tokens: [
            "<bos>", "<unk>", "the", "battery", "is", "great", ".",
            "i", "love", "it", "!", ",",
        ])
        let ids = v.encode("The battery is great. I love it!")
        #expect(ids == [2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(v.decode(ids) == "the battery is great. i love it!")
        #expect(v.decode([0] + ids + [0]) == "the battery is great. i love it!")
        #expect(v.encode("the zebra") == [2, Vocabulary.unk])
        #expect(v.decode([2, 1, 99]) == "the <unk> <unk>")
        #expect(v.id("battery") == 3)
        #expect(v.id("zebra") == nil)
    }

    @Test func builtInVocabularyCoversTheCorpus() {
        let corpus = ReviewCorpus.builtIn(count: 2000, seed: 3)
        let v = corpus.vocabulary
        #expect(v.tokens[0] == "<bos>" && v.tokens[1] == "<unk>")
        #expect(corpus.unknownRate == 0)
        #expect((180...320).contains(v.count))
        for (text, seq) in zip(corpus.texts, corpus.sequences) {
            #expect(!seq.dropFirst().dropLast().contains(Vocabulary.unk))
            #expect(v.decode(seq) == text)
        }
        // every grammar word is used by some review of a large enough sample
        let used = Set(corpus.sequences.joined())
        #expect(Double(used.count) / Double(v.count) > 0.9)
    }

    @Test func fromTextRanksByFrequencyThenFirstAppearance() throws {
        let v = try Vocabulary.fromText("b a b c a b", maxSize: 10)
        #expect(v.tokens == ["<bos>", "<unk>", "b", "a", "c"])
        let tie = try Vocabulary.fromText("x y Y X z.", maxSize: 4)
        #expect(tie.tokens == ["<bos>", "<unk>", "x", "y"])
        let text = (0..<200).map { "w\($0 % 17) w\($0 % 5)" }.joined(separator: " ")
        let again = try Vocabulary.fromText(text, maxSize: 12)
        #expect(try Vocabulary.fromText(text, maxSize: 12) == again)
        #expect(again.count == 12)
        #expect(throws: ReinforceError.invalidVocabulary(reason: "the text holds no words")) {
            try Vocabulary.fromText(" \n ", maxSize: 10)
        }
        #expect(throws: ReinforceError.invalidVocabulary(reason: "maxSize 2 is below 3")) {
            try Vocabulary.fromText("a b", maxSize: 2)
        }
    }

    @Test func vocabularyFileRoundTripAndErrors() throws {
        let dir = Fixture.tempDir("task-vocab")
        defer { Fixture.cleanup(dir) }
        let path = dir + "/vocab.json"
        try ReviewCorpus.vocabulary.save(to: path)
        #expect(try Vocabulary.load(from: path) == ReviewCorpus.vocabulary)
        let raw = try String(contentsOfFile: path, encoding: .utf8)
        #expect(raw.hasPrefix("[\"<bos>\",\"<unk>\","))

        let missing = dir + "/nope.json"
        #expect(throws: ReinforceError.fileNotFound(path: missing)) {
            try Vocabulary.load(from: missing)
        }
        let bad = dir + "/bad.json"
        try Data("{\"a\": 1}".utf8).write(to: URL(fileURLWithPath: bad))
        #expect { try Vocabulary.load(from: bad) } throws: { error in
            if case .invalidVocabularyFile(let p, _) = error as? ReinforceError { return p == bad }
            return false
        }
    }
}
