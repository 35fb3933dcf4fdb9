extension MethodID {
    /// Barycentric spherical interpolation of several models
    public static let multislerp: MethodID = "multislerp"
}

/// Barycentric spherical interpolation of several models (mergekit's `multislerp`), one whole tensor at a time:
///
///     exp_p(Σ wm log_p(θm/‖θm‖))·Σ wm ‖θm‖ on the unit sphere
///
/// The math is `Elementwise.multislerp`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.multislerp`; memory is the inputs and the output of one tensor.
public enum MultiSlerpMerge: PerTensorMethod {
    public static let id = MethodID.multislerp
    public static let recipeMethod = RecipeMethod.multislerp
    public static let formula = "exp_p(Σ wm log_p(θm/‖θm‖))·Σ wm ‖θm‖ on the unit sphere"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.multislerp(
            input, normalizeWeights: settings.flag("normalize_weights"),
            eps: settings.number("eps"))
    }
}
