extension MethodID {
    /// Breadcrumbs: drop the largest gamma and the smallest magnitudes
    public static let breadcrumbs: MethodID = "breadcrumbs"
}

/// Breadcrumbs: drop the largest gamma and the smallest magnitudes (mergekit's `breadcrumbs`), one whole tensor at a time:
///
///     θ_base + λ·Σ wm mid(δm), mid keeps ranks between the top gamma and density + gamma
///
/// The math is `Elementwise.breadcrumbs`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.breadcrumbs`; memory is the inputs and the output of one tensor.
public enum BreadcrumbsMerge: PerTensorMethod {
    public static let id = MethodID.breadcrumbs
    public static let recipeMethod = RecipeMethod.breadcrumbs
    public static let formula =
        "θ_base + λ·Σ wm mid(δm), mid keeps ranks between the top gamma and density + gamma"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.breadcrumbs(input, options: settings.options())
    }
}
