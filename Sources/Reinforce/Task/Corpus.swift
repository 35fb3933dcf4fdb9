import Foundation

/// A training corpus: documents, the vocabulary that encodes them, and their token sequences.
///
/// Each sequence is `[bos] + vocabulary.encode(text) + [bos]`: the leading `<bos>` starts the
/// document and the trailing one marks its end, so a model learns when to stop.
public struct Corpus: Sendable {
    /// One document per element.
    public let texts: [String]
    public let vocabulary: Vocabulary
    /// `[bos] + tokens + [bos]` per document, same order as `texts`.
    public let sequences: [[Int]]

    /// Encodes `texts` with `vocabulary`.
    /// - Complexity: O(total text length).
    public init(texts: [String], vocabulary: Vocabulary) {
        self.texts = texts
        self.vocabulary = vocabulary
        self.sequences = texts.map { [Vocabulary.bos] + vocabulary.encode($0) + [Vocabulary.bos] }
    }

    /// A custom corpus from a UTF-8 text file with one document per line; empty (or
    /// whitespace-only) lines are skipped.
    /// - Parameters:
    ///   - path: the text file.
    ///   - vocabulary: the vocabulary to encode with; nil builds one with
    ///     `Vocabulary.fromText(wholeFile, maxSize: maxVocabularySize)`.
    /// - Throws: `ReinforceError.fileNotFound`, `.unreadableFile` (also for invalid UTF-8),
    ///   `.emptyCorpus` when no line holds text.
    public init(
        fileAt path: String, vocabulary: Vocabulary? = nil,
        maxVocabularySize: Int = 4096
    ) throws {
        let data = try readFile(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReinforceError.unreadableFile(path: path, reason: "not valid utf-8")
        }
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !Vocabulary.tokenize($0).isEmpty }
        guard !lines.isEmpty else { throw ReinforceError.emptyCorpus(path: path) }
        let vocab =
            try vocabulary
            ?? Vocabulary.fromText(lines.joined(separator: "\n"), maxSize: maxVocabularySize)
        self.init(texts: lines, vocabulary: vocab)
    }

    /// The fraction of tokens (excluding the `<bos>` markers) that encode to `<unk>`.
    public var unknownRate: Double {
        var unknown = 0
        var total = 0
        for s in sequences {
            total += s.count - 2
            unknown += s.lazy.filter { $0 == Vocabulary.unk }.count
        }
        return total == 0 ? 0 : Double(unknown) / Double(total)
    }
}

/// The built-in corpus: reviews from `ReviewGrammar`.
public enum ReviewCorpus {
    /// Stream salt of the SFT corpus (evaluation and training prompts use other salts).
    static let stream: UInt64 = 0x5F7_C0A9

    /// The built-in vocabulary: `<bos>`, `<unk>`, then every grammar token, sorted.
    public static let vocabulary: Vocabulary = {
        do {
            return try Vocabulary(
                tokens: [Vocabulary.bosToken, Vocabulary.unkToken] + ReviewGrammar.allTokens)
        } catch {
            preconditionFailure("built-in vocabulary is invalid: \(error)")
        }
    }()

    /// `count` reviews drawn with `seed`; reviews whose sequence (with both `<bos>`) would be
    /// longer than `maxSequenceLength` are redrawn, so every sequence fits the model context.
    /// - Complexity: O(count · review length).
    public static func builtIn(
        count: Int, seed: UInt64, maxSequenceLength: Int = 32,
        grammar: ReviewGrammar = ReviewGrammar()
    ) -> Corpus {
        precondition(count >= 0 && maxSequenceLength >= 8, "bad built-in corpus size")
        var generator = SeededGenerator.derived(seed: seed, stream: stream)
        let texts = (0..<count).map { _ in
            reviews(
                1, grammar: grammar, maxSequenceLength: maxSequenceLength,
                using: &generator)[0].text
        }
        return Corpus(texts: texts, vocabulary: vocabulary)
    }

    /// `count` reviews from `generator` that fit `maxSequenceLength` tokens with both `<bos>`.
    static func reviews(
        _ count: Int, grammar: ReviewGrammar, maxSequenceLength: Int,
        using generator: inout SeededGenerator
    ) -> [Review] {
        var result: [Review] = []
        while result.count < count {
            let review = grammar.review(using: &generator)
            if Vocabulary.tokenize(review.text).count + 2 <= maxSequenceLength {
                result.append(review)
            }
        }
        return result
    }
}
