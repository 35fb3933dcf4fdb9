extension MethodID {
    /// DELLA: magnitude-ranked drops with TIES consensus
    public static let della: MethodID = "della"
}

/// DELLA: magnitude-ranked drops with TIES consensus (mergekit's `della`), streamed chunk by chunk:
///
///     θ_base + λ·consensus-mean of wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)
///
/// The math is `Elementwise.della`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.della`; memory per chunk, not tensor.
public enum DellaMerge: PerTensorMethod {
    public static let id = MethodID.della
    public static let recipeMethod = RecipeMethod.della
    public static let formula =
        "θ_base + λ·consensus-mean of wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.dellaStream(spec, options: settings.options())
    }
}
