extension MethodID {
    /// Weighted average of the models.
    public static let lerp: MethodID = "lerp"
}

/// Linear interpolation of full weights (LERP, WARP appendix B):
///
///     out = Σ w_m θ_m,   w normalised to sum 1 (uniform 1/M by default)
///
/// Without an init the engine's "task vectors" are the weights themselves, so this is
/// `θ_init + Σ c_m δ_m` with `θ_init = 0` and `c = w / Σ w`.
///
/// - Complexity: O(M) per group; one read of the inputs (no statistics pass).
public enum Lerp: MergeMethod {
    public static let id = MethodID.lerp
    public static let modelCount = 1...Int.max
    public static let needsInit = false
    public static let needsStatistics = false
    public static let formula = "Σ wm θm with the weights normalised to sum 1"

    public static func validate(_ plan: MergePlan, models: Int, hasInit: Bool) throws {
        if let w = plan.weights { try requireNonNegativeWeights(w, firstPositive: false) }
    }

    public static func coefficients(plan: MergePlan, gram: [[Double]]) -> GroupCoefficients {
        let w = plan.weights ?? Array(repeating: 1, count: gram.count)
        let total = w.reduce(0, +)
        return GroupCoefficients(c: w.map { $0 / total })
    }
}
