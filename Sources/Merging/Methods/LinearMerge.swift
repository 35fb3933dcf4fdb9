extension MethodID {
    /// Weighted average of full weights
    public static let linear: MethodID = "linear"
}

/// Weighted average of full weights (mergekit's `linear`), streamed chunk by chunk:
///
///     Σ wm θm / Σ wm (normalize) or Σ wm θm
///
/// The math is `Elementwise.linear`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.linear`; memory per chunk, not tensor.
public enum LinearMerge: PerTensorMethod {
    public static let id = MethodID.linear
    public static let recipeMethod = RecipeMethod.linear
    public static let formula = "Σ wm θm / Σ wm (normalize) or Σ wm θm"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.linearStream(spec, normalize: settings.flag("normalize"))
    }
}
