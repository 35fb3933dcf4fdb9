extension MethodID {
    /// SLERP of two models (or task vectors) by normalised weights
    public static let nuslerp: MethodID = "nuslerp"
}

/// SLERP of two models (or task vectors) by normalised weights (mergekit's `nuslerp`), streamed chunk by chunk:
///
///     slerp(θ1, θ2, t = w2/(w1 + w2)), whole tensor, rows or columns
///
/// The math is `Elementwise.nuslerp`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.nuslerp`; memory per chunk, not tensor.
public enum NuSlerpMerge: PerTensorMethod {
    public static let id = MethodID.nuslerp
    public static let recipeMethod = RecipeMethod.nuslerp
    public static let formula = "slerp(θ1, θ2, t = w2/(w1 + w2)), whole tensor, rows or columns"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.nuslerpStream(
            spec, flatten: settings.flag("nuslerp_flatten"),
            rowWise: settings.flag("nuslerp_row_wise"))
    }
}
