extension MethodID {
    /// Breadcrumbs: drop the largest gamma and the smallest magnitudes
    public static let breadcrumbs: MethodID = "breadcrumbs"
}

/// Breadcrumbs: drop the largest gamma and the smallest magnitudes (mergekit's `breadcrumbs`), streamed chunk by chunk:
///
///     θ_base + λ·Σ wm mid(δm), mid keeps ranks between the top gamma and density + gamma
///
/// The math is `Elementwise.breadcrumbs`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.breadcrumbs`; memory per chunk, not tensor.
public enum BreadcrumbsMerge: PerTensorMethod {
    public static let id = MethodID.breadcrumbs
    public static let recipeMethod = RecipeMethod.breadcrumbs
    public static let formula =
        "θ_base + λ·Σ wm mid(δm), mid keeps ranks between the top gamma and density + gamma"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.breadcrumbsStream(spec, options: settings.options())
    }
}
