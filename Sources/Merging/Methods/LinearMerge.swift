extension MethodID {
    /// Weighted average of full weights
    public static let linear: MethodID = "linear"
}

/// Weighted average of full weights (mergekit's `linear`), one whole tensor at a time:
///
///     Σ wm θm / Σ wm (normalize) or Σ wm θm
///
/// The math is `Elementwise.linear`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.linear`; memory is the inputs and the output of one tensor.
public enum LinearMerge: PerTensorMethod {
    public static let id = MethodID.linear
    public static let recipeMethod = RecipeMethod.linear
    public static let formula = "Σ wm θm / Σ wm (normalize) or Σ wm θm"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.linear(input, normalize: settings.flag("normalize"))
    }
}
