/// Word valences in [−1, 1] and negation words, for `SentimentLexiconReward`.
public struct SentimentLexicon: Sendable, Equatable {
    public let valences: [String: Double]
    public let negations: Set<String>

    /// - Precondition: every valence is finite and in [−1, 1].
    public init(valences: [String: Double], negations: Set<String>) {
        precondition(
            valences.values.allSatisfy { $0.isFinite && abs($0) <= 1 },
            "valences must lie in [-1, 1]")
        self.valences = valences
        self.negations = negations
    }

    /// Our lexicon: the grammar's sentiment words plus a few common ones (~110 words).
    public static let builtIn = SentimentLexicon(
        valences: builtInValences,
        negations: [
            "not", "never", "no", "hardly", "rarely", "don't", "doesn't", "didn't", "isn't",
            "wasn't", "won't", "nothing",
        ])

    static let builtInValences: [String: Double] = [
        // positive adjectives
        "excellent": 1.0, "perfect": 1.0, "outstanding": 1.0, "amazing": 0.9,
        "wonderful": 0.9, "fantastic": 0.9, "superb": 0.9, "brilliant": 0.9, "awesome": 0.9,
        "great": 0.8, "beautiful": 0.7, "impressive": 0.7, "lovely": 0.7, "elegant": 0.6,
        "good": 0.6, "nice": 0.5, "reliable": 0.5, "comfortable": 0.5, "pleasant": 0.5,
        "durable": 0.5, "solid": 0.4, "sturdy": 0.4, "smooth": 0.4, "responsive": 0.4,
        // negative adjectives
        "terrible": -1.0, "horrible": -1.0, "dreadful": -1.0, "worst": -1.0,
        "awful": -0.9, "useless": -0.9, "broken": -0.8, "defective": -0.8,
        "disappointing": -0.7, "faulty": -0.7, "bad": -0.6, "poor": -0.6, "ugly": -0.6,
        "unreliable": -0.6, "flimsy": -0.5, "annoying": -0.5, "uncomfortable": -0.5,
        "overpriced": -0.5, "clunky": -0.5, "noisy": -0.4, "weak": -0.4, "fragile": -0.4,
        "sluggish": -0.4, "cheap": -0.3, "mediocre": -0.3,
        // mild / neutral-leaning adjectives
        "decent": 0.3, "acceptable": 0.2, "reasonable": 0.2, "adequate": 0.2, "fine": 0.2,
        "okay": 0.1, "special": 0.3, "simple": 0.1,
        // verbs and feelings
        "love": 0.9, "adore": 0.9, "enjoy": 0.6, "like": 0.5, "recommend": 0.7,
        "recommended": 0.7, "happy": 0.7, "satisfied": 0.6, "pleased": 0.6, "impressed": 0.6,
        "thrilled": 0.8, "delighted": 0.8, "works": 0.3, "worth": 0.5,
        "hate": -0.9, "regret": -0.7, "dislike": -0.6, "returned": -0.4, "unhappy": -0.7,
        "disappointed": -0.7, "annoyed": -0.5, "frustrated": -0.6, "upset": -0.6,
        "broke": -0.7, "failed": -0.7, "died": -0.7, "stopped": -0.4, "avoid": -0.6,
        "waste": -0.8,
        // comparisons, adverbs and states
        "best": 0.9, "better": 0.5, "faster": 0.3, "quieter": 0.3, "lighter": 0.2,
        "sharper": 0.3, "worse": -0.5, "slower": -0.3, "louder": -0.3, "heavier": -0.2,
        "weaker": -0.3, "perfectly": 0.8, "flawlessly": 0.8, "beautifully": 0.7,
        "poorly": -0.6, "badly": -0.6, "terribly": -0.8, "new": 0.2, "deal": 0.3,
        "early": 0.3, "late": -0.4, "damaged": -0.7,
        // problems
        "problem": -0.5, "issue": -0.4, "wrong": -0.5, "serious": -0.2, "apart": -0.5,
    ]
}
