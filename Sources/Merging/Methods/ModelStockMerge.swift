extension MethodID {
    /// Model stock: average pulled toward the base by the task vectors' angle
    public static let modelStock: MethodID = "model_stock"
}

/// Model stock: average pulled toward the base by the task vectors' angle (mergekit's `model_stock`), streamed chunk by chunk:
///
///     t·mean(θm) + (1 − t)·θ_base, t = M·cos θ / (1 + (M − 1)·cos θ)
///
/// The math is `Elementwise.modelStock`; parameters come from the recipe, resolved per tensor.
/// - Complexity: see `Elementwise.modelStock`; memory per chunk, not tensor.
public enum ModelStockMerge: PerTensorMethod {
    public static let id = MethodID.modelStock
    public static let recipeMethod = RecipeMethod.modelStock
    public static let formula = "t·mean(θm) + (1 − t)·θ_base, t = M·cos θ / (1 + (M − 1)·cos θ)"

    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        try Elementwise.modelStockStream(spec, filterWise: settings.flag("filter_wise"))
    }
}
