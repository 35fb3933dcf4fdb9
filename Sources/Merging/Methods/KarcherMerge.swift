extension MethodID {
    /// Karcher (Riemannian) mean on the sphere
    public static let karcher: MethodID = "karcher"
}

/// Karcher (Riemannian) mean on the sphere (mergekit's `karcher`), one whole tensor at a time:
///
///     argmin_p Σ wm d(p, θm/‖θm‖)² by fixed-point iteration, times Σ wm ‖θm‖
///
/// The math is `Elementwise.karcher`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.karcher`; memory is the inputs and the output of one tensor.
public enum KarcherMerge: PerTensorMethod {
    public static let id = MethodID.karcher
    public static let recipeMethod = RecipeMethod.karcher
    public static let formula =
        "argmin_p Σ wm d(p, θm/‖θm‖)² by fixed-point iteration, times Σ wm ‖θm‖"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.karcher(
            input, maxIter: Int(settings.number("max_iter")), tol: settings.number("tol"))
    }
}
