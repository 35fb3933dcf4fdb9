extension MethodID {
    /// DELLA: magnitude-ranked drops with TIES consensus
    public static let della: MethodID = "della"
}

/// DELLA: magnitude-ranked drops with TIES consensus (mergekit's `della`), one whole tensor at a time:
///
///     θ_base + λ·consensus-mean of wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)
///
/// The math is `Elementwise.della`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.della`; memory is the inputs and the output of one tensor.
public enum DellaMerge: PerTensorMethod {
    public static let id = MethodID.della
    public static let recipeMethod = RecipeMethod.della
    public static let formula =
        "θ_base + λ·consensus-mean of wm·drop(δm, p_i ∈ density ± epsilon by rank)/(1 − p_i)"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.della(input, options: settings.options())
    }
}
