extension MethodID {
    /// Breadcrumbs with TIES sign consensus
    public static let breadcrumbsTies: MethodID = "breadcrumbs_ties"
}

/// Breadcrumbs with TIES sign consensus (mergekit's `breadcrumbs_ties`), streamed chunk by chunk:
///
///     θ_base + λ·consensus-mean of wm mid(δm)
///
/// The math is `Elementwise.breadcrumbsTies`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.breadcrumbsTies`; memory per chunk, not tensor.
public enum BreadcrumbsTiesMerge: PerTensorMethod {
    public static let id = MethodID.breadcrumbsTies
    public static let recipeMethod = RecipeMethod.breadcrumbsTies
    public static let formula = "θ_base + λ·consensus-mean of wm mid(δm)"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.breadcrumbsTiesStream(spec, options: settings.options())
    }
}
