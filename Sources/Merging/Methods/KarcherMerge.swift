extension MethodID {
    /// Karcher (Riemannian) mean on the sphere
    public static let karcher: MethodID = "karcher"
}

/// Karcher (Riemannian) mean on the sphere (mergekit's `karcher`), streamed chunk by chunk:
///
///     argmin_p Σ wm d(p, θm/‖θm‖)² by fixed-point iteration, times Σ wm ‖θm‖
///
/// The math is `Elementwise.karcher`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.karcher`; memory per chunk, not tensor.
public enum KarcherMerge: PerTensorMethod {
    public static let id = MethodID.karcher
    public static let recipeMethod = RecipeMethod.karcher
    public static let formula =
        "argmin_p Σ wm d(p, θm/‖θm‖)² by fixed-point iteration, times Σ wm ‖θm‖"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.karcherStream(
            spec, maxIter: Int(settings.number("max_iter")), tol: settings.number("tol"))
    }
}
