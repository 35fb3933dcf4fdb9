extension MethodID {
    /// Interpolation (or extrapolation) between the init and one merged model.
    public static let liti: MethodID = "liti"
}

/// LITI, linear interpolation towards the init (WARP Equation (LITI)); η > 1 extrapolates
/// (appendix C.1), which `extrapolate` runs:
///
///     out_η = (1 − η)·θ_init + η·θ_merged      for each η of the plan's `etas`
///
/// The merge `s` is the merged model itself (`mergeIsModel`), so a LITI output computed from
/// an F64 checkpoint holding `s` equals the fused front of `slerp --eta` bit for bit.
///
/// - Complexity: O(1) per group; one read of the inputs.
public enum Liti: MergeMethod {
    public static let id = MethodID.liti
    public static let modelCount = 1...1
    public static let needsInit = true
    public static let needsStatistics = false
    public static let mergeIsModel = true
    public static let formula = "(1−η)·θ_init + η·θ_merged"

    public static func coefficients(plan: MergePlan, gram: [[Double]]) -> GroupCoefficients {
        GroupCoefficients(c: [1])
    }
}
