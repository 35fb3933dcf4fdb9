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
        try taskVectorMerge(
            input, method: "task_arithmetic", thinning: .none, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }

    /// The stream behind `taskArithmetic(_:options:)`, for the engine.
    public static func taskArithmeticStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "task_arithmetic", thinning: .none, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }
}
