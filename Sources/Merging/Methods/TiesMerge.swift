extension MethodID {
    /// TIES: trim to the top density, elect signs, disjoint mean
    public static let ties: MethodID = "ties"
}

/// TIES: trim to the top density, elect signs, disjoint mean (mergekit's `ties`), one whole tensor at a time:
///
///     θ_base + λ·Σ km wm topk(δm) / Σ km wm, km = [sign agrees with sign Σ wm topk(δm)]
///
/// The math is `Elementwise.ties`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.ties`; memory is the inputs and the output of one tensor.
public enum TiesMerge: PerTensorMethod {
    public static let id = MethodID.ties
    public static let recipeMethod = RecipeMethod.ties
    public static let formula =
        "θ_base + λ·Σ km wm topk(δm) / Σ km wm, km = [sign agrees with sign Σ wm topk(δm)]"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.ties(input, options: settings.options())
    }
}
