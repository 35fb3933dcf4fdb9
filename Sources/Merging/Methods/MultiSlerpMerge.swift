extension MethodID {
    /// Barycentric spherical interpolation of several models
    public static let multislerp: MethodID = "multislerp"
}

/// Barycentric spherical interpolation of several models (mergekit's `multislerp`), streamed chunk by chunk:
///
///     exp_p(Σ wm log_p(θm/‖θm‖))·Σ wm ‖θm‖ on the unit sphere
///
/// The math is `Elementwise.multislerp`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.multislerp`; memory per chunk, not tensor.
public enum MultiSlerpMerge: PerTensorMethod {
    public static let id = MethodID.multislerp
    public static let recipeMethod = RecipeMethod.multislerp
    public static let formula = "exp_p(Σ wm log_p(θm/‖θm‖))·Σ wm ‖θm‖ on the unit sphere"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.multislerpStream(
            spec, normalizeWeights: settings.flag("normalize_weights"), eps: settings.number("eps"))
    }
}
