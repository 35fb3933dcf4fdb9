/// A word-level vocabulary: token strings indexed by id.
///
/// Contract: id 0 is `"<bos>"` (start of sequence, also used as end marker and padding), id 1
/// is `"<unk>"` (any word not in the vocabulary); no token is empty, holds whitespace, or
/// appears twice. Text goes through `Vocabulary.tokenize` (lowercase; runs of letters, digits
/// and apostrophes form words; every other non-space character is its own token).
///
/// Saved as `vocab.json`, a JSON array of the tokens in id order (see `Vocabulary+File.swift`).
public struct Vocabulary: Sendable, Equatable {
    /// id → token.
    public let tokens: [String]
    /// token → id.
    private let ids: [String: Int]

    public static let bos = 0
    public static let unk = 1
    public static let bosToken = "<bos>"
    public static let unkToken = "<unk>"

    public var count: Int { tokens.count }

    /// - Throws: `ReinforceError.invalidVocabulary` if the first two tokens are not `<bos>`,
    ///   `<unk>`, or a token is empty, holds whitespace, or is duplicated.
    /// - Complexity: O(n) time and memory.
    public init(tokens: [String]) throws {
        guard tokens.count >= 2, tokens[0] == Self.bosToken, tokens[1] == Self.unkToken else {
            throw ReinforceError.invalidVocabulary(
                reason: "the first two tokens must be \(Self.bosToken) and \(Self.unkToken)")
        }
        var ids = [String: Int](minimumCapacity: tokens.count)
        for (i, token) in tokens.enumerated() {
            if token.isEmpty || token.contains(where: \.isWhitespace) {
                throw ReinforceError.invalidVocabulary(
                    reason: "token \(i) '\(token)' is empty or holds whitespace")
            }
            if let first = ids[token] {
                throw ReinforceError.invalidVocabulary(
                    reason: "token '\(token)' appears twice (ids \(first) and \(i))")
            }
            ids[token] = i
        }
        self.tokens = tokens
        self.ids = ids
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.tokens == b.tokens }

    /// The id of `token`, or nil if it is not in the vocabulary.
    public func id(_ token: String) -> Int? { ids[token] }

    /// The token of `id`, or `<unk>` for an id out of range.
    public func token(_ id: Int) -> String {
        tokens.indices.contains(id) ? tokens[id] : Self.unkToken
    }

    /// Ids of the tokens of `text` (no `<bos>` added); unknown words map to `unk`.
    /// - Complexity: O(length of text).
    public func encode(_ text: String) -> [Int] {
        Self.tokenize(text).map { ids[$0] ?? Self.unk }
    }

    /// Text of `ids`: words separated by one space, punctuation attached to the word before
    /// it, `<bos>` rendered as nothing. Ids out of range render as `<unk>`.
    public func decode(_ ids: [Int]) -> String {
        Self.join(ids.lazy.filter { $0 != Self.bos }.map { token($0) })
    }

    /// Tokens as text: one space between words, punctuation attached to the word before it.
    public static func join<S: Sequence<String>>(_ tokens: S) -> String {
        var out = ""
        for token in tokens {
            if !out.isEmpty && !attachesLeft(token) { out += " " }
            out += token
        }
        return out
    }

    /// Splits text into lowercase tokens: runs of letters, digits and apostrophes are words;
    /// every other non-whitespace character is a token of its own.
    ///
    ///     "Great phone, NOT cheap!" → ["great", "phone", ",", "not", "cheap", "!"]
    public static func tokenize(_ text: String) -> [String] {
        var result: [String] = []
        var word = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "'" {
                word.append(ch)
                continue
            }
            if !word.isEmpty {
                result.append(word)
                word = ""
            }
            if !ch.isWhitespace { result.append(String(ch)) }
        }
        if !word.isEmpty { result.append(word) }
        return result
    }

    /// True for punctuation written without a space before it.
    static func attachesLeft(_ token: String) -> Bool {
        [".", ",", "!", "?", ";", ":", ")", "]", "}", "%"].contains(token)
    }

    /// True if the token ends a sentence.
    static func endsSentence(_ token: String) -> Bool { [".", "!", "?"].contains(token) }
}
