extension MethodID {
    /// Weighted sum of task vectors added to the init.
    public static let taskArithmetic: MethodID = "task-arithmetic"
}

/// Task arithmetic (Ilharco et al., "Editing models with task arithmetic"):
///
///     out = θ_init + Σ w_m δ_m,   weights as given (default 1/M: the plain average)
///
/// - Complexity: O(M) per group; one read of the inputs (no statistics pass).
public enum TaskArithmetic: MergeMethod {
    public static let id = MethodID.taskArithmetic
    public static let displayName = "task arithmetic"
    public static let modelCount = 1...Int.max
    public static let needsInit = true
    public static let needsStatistics = false
    public static let formula = "θ_init + Σ wm δm"

    public static func coefficients(plan: MergePlan, gram: [[Double]]) -> GroupCoefficients {
        GroupCoefficients(
            c: plan.weights ?? Array(repeating: 1 / Double(gram.count), count: gram.count))
    }
}
