extension MethodID {
    /// TIES: trim to the top density, elect signs, disjoint mean
    public static let ties: MethodID = "ties"
}

/// TIES: trim to the top density, elect signs, disjoint mean (mergekit's `ties`), streamed chunk by chunk:
///
///     θ_base + λ·Σ km wm topk(δm) / Σ km wm, km = [sign agrees with sign Σ wm topk(δm)]
///
/// The math is `Elementwise.ties`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.ties`; memory per chunk, not tensor.
public enum TiesMerge: PerTensorMethod {
    public static let id = MethodID.ties
    public static let recipeMethod = RecipeMethod.ties
    public static let formula =
        "θ_base + λ·Σ km wm topk(δm) / Σ km wm, km = [sign agrees with sign Σ wm topk(δm)]"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.tiesStream(spec, options: settings.options())
    }
}
