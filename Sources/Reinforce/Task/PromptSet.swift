/// Prompts for REINFORCE and evaluation: `<bos>` plus the first k tokens of a fresh document
/// (WARP paper §4: prompts x ~ D_x; completions are sampled from the policy).
///
/// Documents come from the review grammar on stream salts distinct from the SFT corpus, so
/// prompts are fresh reviews, or from a custom corpus's sequences. k is drawn uniformly in
/// `words` (default 2...4) per prompt and capped by the document's length.
public struct PromptSet: Sendable, Equatable {
    /// Each prompt is `[bos] + first k tokens`.
    public let prompts: [[Int]]

    public init(prompts: [[Int]]) { self.prompts = prompts }

    static let evaluationStream: UInt64 = 0xE7A1_5E7
    static let evaluationSeed: UInt64 = 20_240_624
    static let trainingStream: UInt64 = 0x7A1_2E1F

    /// The fixed held-out evaluation set: the same prompts on every machine and every call.
    public static func evaluation(count: Int = 64, words: ClosedRange<Int> = 2...4)
        -> PromptSet
    {
        var stream = PromptStream(
            generator: .derived(seed: evaluationSeed, stream: evaluationStream),
            words: words, source: .grammar(ReviewGrammar()))
        return PromptSet(prompts: stream.next(count))
    }

    /// A fixed evaluation set drawn from a custom corpus's sequences (`[bos] + tokens + …`).
    public static func evaluation(
        count: Int = 64, documents: [[Int]],
        words: ClosedRange<Int> = 2...4
    ) -> PromptSet {
        var stream = PromptStream(
            generator: .derived(seed: evaluationSeed, stream: evaluationStream),
            words: words, source: .documents(documents))
        return PromptSet(prompts: stream.next(count))
    }

    /// The training prompt stream of one run: M runs with different `seed`s see different
    /// prompt orders; none of them coincides with the SFT corpus or the evaluation stream.
    public static func training(seed: UInt64, words: ClosedRange<Int> = 2...4) -> PromptStream {
        PromptStream(
            generator: .derived(seed: seed, stream: trainingStream), words: words,
            source: .grammar(ReviewGrammar()))
    }

    /// The training prompt stream of one run over a custom corpus's sequences.
    public static func training(
        seed: UInt64, documents: [[Int]],
        words: ClosedRange<Int> = 2...4
    ) -> PromptStream {
        PromptStream(
            generator: .derived(seed: seed, stream: trainingStream), words: words,
            source: .documents(documents))
    }
}

/// An endless, seeded stream of prompts; a value type, so copying it forks the stream (and a
/// checkpoint can store `generator.state` to resume it).
public struct PromptStream: Sendable {
    public enum Source: Sendable {
        /// Fresh reviews, encoded with the built-in vocabulary.
        case grammar(ReviewGrammar)
        /// Random picks among these sequences (each `[bos] + tokens (+ [bos])`).
        case documents([[Int]])
    }

    public var generator: SeededGenerator
    public let words: ClosedRange<Int>
    public let source: Source

    /// - Precondition: `words.lowerBound >= 1`; a `.documents` source is not empty.
    public init(generator: SeededGenerator, words: ClosedRange<Int>, source: Source) {
        precondition(words.lowerBound >= 1, "prompts need at least one word")
        if case .documents(let d) = source { precondition(!d.isEmpty, "no documents") }
        self.generator = generator
        self.words = words
        self.source = source
    }

    /// The next prompt: `[bos] + first k tokens` of the next document.
    public mutating func next() -> [Int] {
        let k = generator.int(in: words)
        let body: [Int]
        switch source {
        case .grammar(let grammar):
            // = ReviewCorpus.vocabulary.encode(grammar.review(using: &generator).text)
            body = grammar.encodedReview(using: &generator)
        case .documents(let documents):
            body = generator.pick(documents).filter { $0 != Vocabulary.bos }
        }
        return [Vocabulary.bos] + body.prefix(k)
    }

    /// The next `count` prompts.
    public mutating func next(_ count: Int) -> [[Int]] {
        (0..<count).map { _ in next() }
    }
}
