/// Reviews drawn straight as token ids of the built-in vocabulary, for the prompt stream: the
/// same generator draws as `review(using:)`, without building, lowercasing and re-tokenising
/// the text.
///
/// `Vocabulary.tokenize` splits at whitespace and gives every punctuation character its own
/// token, so the tokens of a review are the concatenation of the tokens of its template
/// pieces, chosen phrases and end marks; each of those is encoded once here.
/// - Invariant: `ReviewCorpus.vocabulary.encode(review(using: &g).text)` equals
///   `encodedReview(using: &g')` for equal generator states g = g', and both leave the
///   generator in the same state.
extension ReviewGrammar {
    /// A template piece, encoded: literal ids, or a slot's phrases per sentiment.
    enum EncodedPiece: Sendable {
        case literal([Int])
        case slot(positive: [[Int]], negative: [[Int]], neutral: [[Int]], optional: Bool)
    }

    /// `templates`, split and encoded with `ReviewCorpus.vocabulary` (in template order, so
    /// `pick` draws the same index).
    static let encodedTemplates: [[EncodedPiece]] = templates.map { template in
        let vocabulary = ReviewCorpus.vocabulary
        return template.split(separator: " ").map { piece -> EncodedPiece in
            guard piece.hasPrefix("{") else { return .literal(vocabulary.encode(String(piece))) }
            var name = piece.dropFirst().dropLast()
            let optional = name.hasSuffix("?")
            if optional { name = name.dropLast() }
            guard let slot = slots[String(name)] else {
                preconditionFailure("template slot {\(name)} has no word list")
            }
            return .slot(
                positive: slot.positive.map(vocabulary.encode),
                negative: slot.negative.map(vocabulary.encode),
                neutral: slot.neutral.map(vocabulary.encode), optional: optional)
        }
    }
    static let periodID = ReviewCorpus.vocabulary.encode(".")
    static let bangID = ReviewCorpus.vocabulary.encode("!")

    /// `ReviewCorpus.vocabulary.encode(review(using: &generator).text)`, drawing the same
    /// values from `generator` in the same order.
    /// - Complexity: O(review length), no string work.
    public func encodedReview(using generator: inout SeededGenerator) -> [Int] {
        let leaning = generator.pick(Sentiment.allCases)
        let n = generator.int(in: sentences)
        var ids: [Int] = []
        ids.reserveCapacity(16 * n)
        for _ in 0..<n {
            let mood =
                generator.nextUnit() < agreement ? leaning : generator.pick(Sentiment.allCases)
            for piece in generator.pick(Self.encodedTemplates) {
                switch piece {
                case .literal(let words):
                    ids += words
                case .slot(let positive, let negative, let neutral, let optional):
                    if optional && generator.nextUnit() >= optionalRate { continue }
                    switch mood {
                    case .positive: ids += generator.pick(positive)
                    case .negative: ids += generator.pick(negative)
                    case .neutral: ids += generator.pick(neutral)
                    }
                }
            }
            let bang = mood != .neutral && generator.nextUnit() < exclamationRate
            ids += bang ? Self.bangID : Self.periodID
        }
        return ids
    }
}
