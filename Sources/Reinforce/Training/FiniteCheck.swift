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
        let p = model.parameters.pointer
        for i in 0..<model.parameters.count where !p[i].isFinite {
            let tensor = model.layout.entries.last { $0.offset <= i }?.name ?? "?"
            throw ReinforceError.nonFiniteTraining(
                step: step, what: "\(name) in '\(tensor)' (\(p[i]))")
        }
    }
}
