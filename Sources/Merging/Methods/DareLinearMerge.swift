extension MethodID {
    /// DARE drops, weighted sum
    public static let dareLinear: MethodID = "dare_linear"
}

/// DARE drops, weighted sum (mergekit's `dare_linear`), streamed chunk by chunk:
///
///     θ_base + λ·Σ wm·dropp(δm)/density, p = 1 − density, seeded
///
/// The math is `Elementwise.dareLinear`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.dareLinear`; memory per chunk, not tensor.
public enum DareLinearMerge: PerTensorMethod {
    public static let id = MethodID.dareLinear
    public static let recipeMethod = RecipeMethod.dareLinear
    public static let formula = "θ_base + λ·Σ wm·dropp(δm)/density, p = 1 − density, seeded"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.dareLinearStream(spec, options: settings.options())
    }
}
