/// A (B, T) batch for teacher-forced scoring: inputs, next-token targets and a loss mask.
///
/// Built from whole sequences: sequence s of n tokens gives inputs s[0..<n−1] and targets
/// s[1..<n]; rows are right-padded with `<bos>` (0) to the longest and padded positions are
/// masked out. `lossFrom[b] = k` counts only the targets s[k...] (e.g. k = prompt length, so
/// only the completion is scored); the default k = 1 scores every token after the first.
public struct TokenBatch: Sendable, Equatable {
    /// Rows B and positions T.
    public let batch: Int, steps: Int
    /// (B, T) input ids.
    public let inputs: [Int]
    /// (B, T) target ids (the input shifted by one).
    public let targets: [Int]
    /// (B, T) 1 where the target counts, 0 elsewhere.
    public let mask: [Float]

    /// - Throws: `ReinforceError.emptySequence` for a sequence shorter than 2 tokens,
    ///   `.sequenceTooLong` when n − 1 exceeds `maxSteps`, `.invalidOption` for a `lossFrom`
    ///   outside 1..<n or a count that differs from the sequences'.
    public init(sequences: [[Int]], lossFrom: [Int]? = nil, maxSteps: Int) throws {
        guard !sequences.isEmpty else { throw ReinforceError.emptySequence(index: 0) }
        if let lossFrom, lossFrom.count != sequences.count {
            throw ReinforceError.invalidOption(
                name: "lossFrom", reason: "\(lossFrom.count) values for \(sequences.count) rows")
        }
        var t = 0
        for (i, s) in sequences.enumerated() {
            guard s.count >= 2 else { throw ReinforceError.emptySequence(index: i) }
            guard s.count - 1 <= maxSteps else {
                throw ReinforceError.sequenceTooLong(
                    index: i, length: s.count, context: maxSteps + 1)
            }
            t = max(t, s.count - 1)
        }
        let b = sequences.count
        var inputs = [Int](repeating: 0, count: b * t)
        var targets = [Int](repeating: 0, count: b * t)
        var mask = [Float](repeating: 0, count: b * t)
        for (i, s) in sequences.enumerated() {
            let k = lossFrom?[i] ?? 1
            guard k >= 1 && k < s.count else {
                throw ReinforceError.invalidOption(
                    name: "lossFrom", reason: "\(k) for row \(i) of \(s.count) tokens")
            }
            for p in 0..<(s.count - 1) {
                inputs[i * t + p] = s[p]
                targets[i * t + p] = s[p + 1]
                if p + 1 >= k { mask[i * t + p] = 1 }
            }
        }
        self.batch = b
        self.steps = t
        self.inputs = inputs
        self.targets = targets
        self.mask = mask
    }

    /// Number of positions that count.
    public var maskedCount: Int { mask.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
}

/// Per-position scores of a batch under a model: log π(target) and the exact entropy of π,
/// both (B, T), zero where the mask is 0.
public struct TokenScores: Sendable, Equatable {
    public let batch: Int, steps: Int
    public var logProbs: [Float]
    public var entropies: [Float]

    /// Σ_t log π(y_t | y_<t) per row, in Double.
    public var sequenceLogProbs: [Double] {
        (0..<batch).map { b in
            (0..<steps).reduce(0.0) { $0 + Double(logProbs[b * steps + $1]) }
        }
    }
}
