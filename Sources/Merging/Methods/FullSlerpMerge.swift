extension MethodID {
    /// Spherical interpolation of full weights
    public static let fullSlerp: MethodID = "full_slerp"
}

/// Spherical interpolation of full weights (mergekit's `full_slerp`), streamed chunk by chunk:
///
///     sin((1−t)Ω)/sin Ω·θ_base + sin(tΩ)/sin Ω·θ_1, Ω = angle(θ_base, θ_1)
///
/// The math is `Elementwise.slerp`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.slerp`; memory per chunk, not tensor.
public enum FullSlerpMerge: PerTensorMethod {
    public static let id = MethodID.fullSlerp
    public static let recipeMethod = RecipeMethod.slerp
    public static let formula =
        "sin((1−t)Ω)/sin Ω·θ_base + sin(tΩ)/sin Ω·θ_1, Ω = angle(θ_base, θ_1)"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.slerpStream(spec, t: settings.number("t"))
    }
}
