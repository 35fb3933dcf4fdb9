/// The leaning of a review or of one of its sentences.
public enum Sentiment: String, Sendable, CaseIterable, Equatable {
    case positive, negative, neutral
}

/// One generated review: its text (lowercase, sentences ending in `.` or `!`) and leaning.
public struct Review: Sendable, Equatable {
    public let text: String
    public let sentiment: Sentiment
}

/// A grammar of short product reviews, the built-in task's corpus (WARP paper §4 uses real
/// reviews and a reward model; this is the laptop-sized stand-in).
///
/// A review leans positive, negative or neutral (uniformly); it has 1–3 sentences; each
/// sentence takes the review's leaning with probability `agreement`, otherwise a uniformly
/// drawn one, and fills one of the templates in `ReviewGrammar+Words.swift`. Templates mix
/// products, features, adjectives, intensifiers and negations ("not bad", "it never works").
/// The same generator state gives the same reviews on every machine.
/// - Complexity: O(review length) per review.
public struct ReviewGrammar: Sendable {
    /// Probability that a sentence has the review's leaning.
    public var agreement: Double = 0.75
    /// Probability that an optional slot (`{intens?}`) is filled.
    public var optionalRate: Double = 0.5
    /// Probability that a positive or negative sentence ends in `!` rather than `.`.
    public var exclamationRate: Double = 0.3
    /// Sentences per review, inclusive.
    public var sentences: ClosedRange<Int> = 1...3

    public init() {}

    /// A fresh review drawn from `generator`.
    public func review(using generator: inout SeededGenerator) -> Review {
        let leaning = generator.pick(Sentiment.allCases)
        let n = generator.int(in: sentences)
        var parts: [String] = []
        for _ in 0..<n {
            let mood =
                generator.nextUnit() < agreement ? leaning : generator.pick(Sentiment.allCases)
            parts.append(sentence(mood, using: &generator))
        }
        return Review(text: parts.joined(separator: " "), sentiment: leaning)
    }

    /// One sentence of the given sentiment, with its end punctuation.
    public func sentence(_ mood: Sentiment, using generator: inout SeededGenerator) -> String {
        let template = generator.pick(Self.templates)
        var words: [String] = []
        for piece in template.split(separator: " ") {
            guard piece.hasPrefix("{") else {
                words.append(String(piece))
                continue
            }
            var name = piece.dropFirst().dropLast()
            if name.hasSuffix("?") {
                name = name.dropLast()
                if generator.nextUnit() >= optionalRate { continue }
            }
            guard let slot = Self.slots[String(name)] else {
                preconditionFailure("template slot {\(name)} has no word list")
            }
            words.append(generator.pick(slot.words(mood)))
        }
        let bang = mood != .neutral && generator.nextUnit() < exclamationRate
        let text = words.joined(separator: " ") + (bang ? "!" : ".")
        return Vocabulary.join(Vocabulary.tokenize(text))
    }

    /// Every token the grammar can produce (words and punctuation), sorted, without repeats.
    public static let allTokens: [String] = {
        var set = Set<String>([".", "!", ","])
        for template in templates {
            for piece in template.split(separator: " ") where !piece.hasPrefix("{") {
                set.formUnion(Vocabulary.tokenize(String(piece)))
            }
        }
        for slot in slots.values {
            for mood in Sentiment.allCases {
                for phrase in slot.words(mood) { set.formUnion(Vocabulary.tokenize(phrase)) }
            }
        }
        return set.sorted()
    }()
}

/// A template slot: the phrases it may take for each sentiment.
struct Slot: Sendable {
    let positive: [String]
    let negative: [String]
    let neutral: [String]

    /// The same phrases whatever the sentiment.
    init(any: [String]) { (positive, negative, neutral) = (any, any, any) }

    init(positive: [String], negative: [String], neutral: [String]) {
        (self.positive, self.negative, self.neutral) = (positive, negative, neutral)
    }

    func words(_ mood: Sentiment) -> [String] {
        switch mood {
        case .positive: positive
        case .negative: negative
        case .neutral: neutral
        }
    }
}
