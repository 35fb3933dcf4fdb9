extension MethodID {
    /// Task arithmetic with per-tensor weights
    public static let taskArithmeticPerTensor: MethodID = "task_arithmetic"
}

/// Task arithmetic with per-tensor weights (mergekit's `task_arithmetic`), streamed chunk by chunk:
///
///     θ_base + λ·Σ wm δm
///
/// The math is `Elementwise.taskArithmetic`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.taskArithmetic`; memory per chunk, not tensor.
public enum TaskArithmeticMerge: PerTensorMethod {
    public static let id = MethodID.taskArithmeticPerTensor
    public static let recipeMethod = RecipeMethod.taskArithmetic
    public static let formula = "θ_base + λ·Σ wm δm"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.taskArithmeticStream(spec, options: settings.options())
    }
}
