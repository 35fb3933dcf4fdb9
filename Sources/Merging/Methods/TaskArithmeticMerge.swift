extension MethodID {
    /// Task arithmetic with per-tensor weights
    public static let taskArithmeticPerTensor: MethodID = "task_arithmetic"
}

/// Task arithmetic with per-tensor weights (mergekit's `task_arithmetic`), one whole tensor at a time:
///
///     θ_base + λ·Σ wm δm
///
/// The math is `Elementwise.taskArithmetic`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.taskArithmetic`; memory is the inputs and the output of one tensor.
public enum TaskArithmeticMerge: PerTensorMethod {
    public static let id = MethodID.taskArithmeticPerTensor
    public static let recipeMethod = RecipeMethod.taskArithmetic
    public static let formula = "θ_base + λ·Σ wm δm"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.taskArithmetic(input, options: settings.options())
    }
}
