/// Exponential moving average of a policy's weights: WARP's EMA anchor.
///
///     θ_ema ← (1 − μ)·θ_ema + μ·θ
///
/// After k updates towards a fixed θ: θ_ema = θ + (1 − μ)^k·(θ_ema⁽⁰⁾ − θ).
/// - SeeAlso: WARP paper §3.1, Algorithm 1 line 9 (update after every RL step).
public enum EMA {
    /// Updates `ema` in place towards `model` with rate `mu` ∈ [0, 1].
    /// - Complexity: O(P), no allocation.
    public static func update(_ ema: GPT, towards model: GPT, rate mu: Float) {
        precondition(ema.config == model.config, "models have different configs")
        precondition(mu >= 0 && mu <= 1, "EMA rate outside [0, 1]")
        let e = ema.parameters.pointer, p = model.parameters.pointer
        let keep = 1 - mu
        for i in 0..<ema.parameterCount { e[i] = keep * e[i] + mu * p[i] }
    }
}
