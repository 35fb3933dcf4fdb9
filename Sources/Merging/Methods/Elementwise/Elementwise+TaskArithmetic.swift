extension Elementwise {
    /// mergekit `task_arithmetic`: adds the weighted task vectors to the base.
    ///
    ///     out = base + λ · Σ w_m (θ_m − base) / (normalize ? Σ w_m : 1)
    ///
    /// Defaults: `normalize` false, λ = 1.
    /// - Complexity: O(M·n), elementwise (streams by chunk).
    /// - SeeAlso: Ilharco et al. 2023, Editing Models with Task Arithmetic, §2.
    public static func taskArithmetic(
        _ input: TensorMergeInput, options: TaskVectorOptions = .init()
    )
        throws -> [Double]
    {
        try input.check(method: "task_arithmetic", minModels: 1, needsBase: true)
        return combine(
            base: input.base!, deltas: taskVectors(input), weights: input.parameters.map(\.weight),
            consensus: false, normalize: options.normalize ?? false, lambda: options.lambda)
    }
}
