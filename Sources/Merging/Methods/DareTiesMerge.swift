extension MethodID {
    /// DARE drops with TIES sign consensus
    public static let dareTies: MethodID = "dare_ties"
}

/// DARE drops with TIES sign consensus (mergekit's `dare_ties`), streamed chunk by chunk:
///
///     θ_base + λ·consensus-mean of wm·dropp(δm)/density, p = 1 − density, seeded
///
/// The math is `Elementwise.dareTies`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.dareTies`; memory per chunk, not tensor.
public enum DareTiesMerge: PerTensorMethod {
    public static let id = MethodID.dareTies
    public static let recipeMethod = RecipeMethod.dareTies
    public static let formula =
        "θ_base + λ·consensus-mean of wm·dropp(δm)/density, p = 1 − density, seeded"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.dareTiesStream(spec, options: settings.options())
    }
}
