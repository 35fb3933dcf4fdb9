/// The built-in reward: mean word valence of the completion under a sentiment lexicon.
///
///     r(y) = (1 / |y|) · Σᵢ sᵢ · v(yᵢ),   sᵢ = −1 if a negation is pending, else +1
///
/// `|y|` counts ALL completion tokens before the `<bos>` end marker — neutral words and
/// punctuation score 0 but still count — so an empty completion scores 0 and repeating the
/// most positive word ("excellent excellent …") scores the maximum, 1. That is the intended
/// reward hack of β = 0 in the WARP paper (§2, KL regularisation prevents it).
/// A negation word ("not", "never", "no", "hardly", …) flips the sign of the next word with a
/// non-zero valence ("not good" → −0.6); it lapses at end punctuation (`.`, `!`, `?`) and a
/// second negation cancels it ("not never" → no flip). Intensifiers have valence 0.
/// - Complexity: O(|y|) per completion, plus O(vocabulary) per batch to map ids to valences.
public struct SentimentLexiconReward: RewardFunction {
    public let lexicon: SentimentLexicon

    public init(lexicon: SentimentLexicon = .builtIn) { self.lexicon = lexicon }

    public func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary)
        throws -> [Double]
    {
        try RewardText.checkBatch(prompts: prompts, completions: completions)
        let valence = vocabulary.tokens.map { lexicon.valences[$0] ?? 0 }
        let negation = vocabulary.tokens.map { lexicon.negations.contains($0) }
        let stop = vocabulary.tokens.map { Vocabulary.endsSentence($0) }
        return completions.map { ids in
            score(RewardText.completion(ids), valence: valence, negation: negation, stop: stop)
        }
    }

    /// The reward of one token sequence (already cut at the end marker), by token strings.
    public func score(tokens: [String]) -> Double {
        var total = 0.0
        var negated = false
        for token in tokens {
            if lexicon.negations.contains(token) {
                negated.toggle()
            } else if Vocabulary.endsSentence(token) {
                negated = false
            } else if let v = lexicon.valences[token], v != 0 {
                total += negated ? -v : v
                negated = false
            }
        }
        return tokens.isEmpty ? 0 : total / Double(tokens.count)
    }

    private func score(
        _ ids: ArraySlice<Int>, valence: [Double], negation: [Bool],
        stop: [Bool]
    ) -> Double {
        var total = 0.0
        var negated = false
        for id in ids where valence.indices.contains(id) {
            if negation[id] {
                negated.toggle()
            } else if stop[id] {
                negated = false
            } else if valence[id] != 0 {
                total += negated ? -valence[id] : valence[id]
                negated = false
            }
        }
        return ids.isEmpty ? 0 : total / Double(ids.count)
    }
}
