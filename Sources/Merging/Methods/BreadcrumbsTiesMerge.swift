extension MethodID {
    /// Breadcrumbs with TIES sign consensus
    public static let breadcrumbsTies: MethodID = "breadcrumbs_ties"
}

/// Breadcrumbs with TIES sign consensus (mergekit's `breadcrumbs_ties`), one whole tensor at a time:
///
///     θ_base + λ·consensus-mean of wm mid(δm)
///
/// The math is `Elementwise.breadcrumbsTies`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.breadcrumbsTies`; memory is the inputs and the output of one tensor.
public enum BreadcrumbsTiesMerge: PerTensorMethod {
    public static let id = MethodID.breadcrumbsTies
    public static let recipeMethod = RecipeMethod.breadcrumbsTies
    public static let formula = "θ_base + λ·consensus-mean of wm mid(δm)"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.breadcrumbsTies(input, options: settings.options())
    }
}
