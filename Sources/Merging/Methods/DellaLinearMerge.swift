extension MethodID {
    /// DELLA drops, weighted sum
    public static let dellaLinear: MethodID = "della_linear"
}

/// DELLA drops, weighted sum (mergekit's `della_linear`), one whole tensor at a time:
///
///     θ_base + λ·Σ wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)
///
/// The math is `Elementwise.dellaLinear`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.dellaLinear`; memory is the inputs and the output of one tensor.
public enum DellaLinearMerge: PerTensorMethod {
    public static let id = MethodID.dellaLinear
    public static let recipeMethod = RecipeMethod.dellaLinear
    public static let formula =
        "θ_base + λ·Σ wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.dellaLinear(input, options: settings.options())
    }
}
