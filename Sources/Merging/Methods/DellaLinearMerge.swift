extension MethodID {
    /// DELLA drops, weighted sum
    public static let dellaLinear: MethodID = "della_linear"
}

/// DELLA drops, weighted sum (mergekit's `della_linear`), streamed chunk by chunk:
///
///     θ_base + λ·Σ wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)
///
/// The math is `Elementwise.dellaLinear`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.dellaLinear`; memory per chunk, not tensor.
public enum DellaLinearMerge: PerTensorMethod {
    public static let id = MethodID.dellaLinear
    public static let recipeMethod = RecipeMethod.dellaLinear
    public static let formula =
        "θ_base + λ·Σ wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.dellaLinearStream(spec, options: settings.options())
    }
}
