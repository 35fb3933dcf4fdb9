/// The trainers' guard against NaN/Inf: after every step the loss (or REINFORCE statistics)
/// and every parameter must be finite, or the run stops with
/// `ReinforceError.nonFiniteTraining` naming the step, before anything of that step is
/// written (the last checkpoint on disk stays the last good one).
/// - Complexity: O(P) per step, one pass over the parameters.
enum FiniteCheck {
    /// Throws when `loss` or a parameter of `model` is not finite.
    static func sft(step: Int, loss: Float, model: GPT) throws {
        guard loss.isFinite else {
            throw ReinforceError.nonFiniteTraining(step: step, what: "loss (\(loss))")
        }
        try parameters(step: step, model)
    }

    /// Throws when the step's gradient norm, objective or KL, or a parameter of `policy` or
    /// `anchor` (the EMA) is not finite.
    static func reinforce(_ s: ReinforceStepStats, policy: GPT, anchor: GPT?) throws {
        for (name, value) in [
            ("gradient norm", s.gradientNorm), ("objective", s.objectiveMean),
            ("KL to the anchor", s.klToAnchor), ("reward", s.rewardMean),
        ] where !value.isFinite {
            throw ReinforceError.nonFiniteTraining(step: s.step, what: "\(name) (\(value))")
        }
        try parameters(step: s.step, policy)
        if let anchor { try parameters(step: s.step, anchor, name: "anchor parameter") }
    }

    static func parameters(step: Int, _ model: GPT, name: String = "policy parameter") throws {
        let p = model.parameters.pointer, n = model.parameters.count
        // x·0 is 0 for a finite x and NaN for ±∞ or NaN, and a NaN stays in a sum: one
        // vectorised pass proves every parameter finite; the scan below only names the culprit.
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= n {
            acc += UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self) * 0
            j += 8
        }
        var tail: Float = 0
        while j < n {
            tail += p[j] * 0
            j += 1
        }
        if acc.sum() == 0 && tail == 0 { return }
        for i in 0..<n where !p[i].isFinite {
            let tensor = model.layout.entries.last { $0.offset <= i }?.name ?? "?"
            throw ReinforceError.nonFiniteTraining(
                step: step, what: "\(name) in '\(tensor)' (\(p[i]))")
        }
    }
}
