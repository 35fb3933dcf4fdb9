extension MethodID {
    /// Model stock: average pulled toward the base by the task vectors' angle
    public static let modelStock: MethodID = "model_stock"
}

/// Model stock: average pulled toward the base by the task vectors' angle (mergekit's `model_stock`), one whole tensor at a time:
///
///     t·mean(θm) + (1 − t)·θ_base, t = M·cos θ / (1 + (M − 1)·cos θ)
///
/// The math is `Elementwise.modelStock`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.modelStock`; memory is the inputs and the output of one tensor.
public enum ModelStockMerge: PerTensorMethod {
    public static let id = MethodID.modelStock
    public static let recipeMethod = RecipeMethod.modelStock
    public static let formula = "t·mean(θm) + (1 − t)·θ_base, t = M·cos θ / (1 + (M − 1)·cos θ)"

    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try Elementwise.modelStock(input, filterWise: settings.flag("filter_wise"))
    }
}
