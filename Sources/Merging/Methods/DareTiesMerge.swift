extension MethodID {
    /// DARE drops with TIES sign consensus
    public static let dareTies: MethodID = "dare_ties"
}

/// DARE drops with TIES sign consensus (mergekit's `dare_ties`), one whole tensor at a time:
///
///     θ_base + λ·consensus-mean of wm·dropp(δm)/density, p = 1 − density, seeded
///
/// The math is `Elementwise.dareTies`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.dareTies`; memory is the inputs and the output of one tensor.
public enum DareTiesMerge: PerTensorMethod {
    public static let id = MethodID.dareTies
    public static let recipeMethod = RecipeMethod.dareTies
    public static let formula =
        "θ_base + λ·consensus-mean of wm·dropp(δm)/density, p = 1 − density, seeded"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.dareTies(input, options: settings.options())
    }
}
