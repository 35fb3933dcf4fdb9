extension MethodID {
    /// SLERP of two models (or task vectors) by normalised weights
    public static let nuslerp: MethodID = "nuslerp"
}

/// SLERP of two models (or task vectors) by normalised weights (mergekit's `nuslerp`), one whole tensor at a time:
///
///     slerp(θ1, θ2, t = w2/(w1 + w2)), whole tensor, rows or columns
///
/// The math is `Elementwise.nuslerp`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.nuslerp`; memory is the inputs and the output of one tensor.
public enum NuSlerpMerge: PerTensorMethod {
    public static let id = MethodID.nuslerp
    public static let recipeMethod = RecipeMethod.nuslerp
    public static let formula = "slerp(θ1, θ2, t = w2/(w1 + w2)), whole tensor, rows or columns"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.nuslerp(
            input, flatten: settings.flag("nuslerp_flatten"),
            rowWise: settings.flag("nuslerp_row_wise"))
    }
}
