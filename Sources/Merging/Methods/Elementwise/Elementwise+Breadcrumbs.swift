extension Elementwise {
    /// mergekit `breadcrumbs`: drop the largest `gamma` fraction and the smallest entries of each
    /// task vector so that `density` remains, then a weighted sum.
    ///
    ///     δ'_m = keepMiddleMagnitude(θ_m − base, ρ_m, γ_m)
    ///     out  = base + λ · Σ w_m δ'_m / (normalize ? Σ w_m : 1)
    ///
    /// Defaults: `gamma` 0.01, `normalize` false, λ = 1.
    /// - Complexity: streamed (`TaskVectorStream`): 8 radix passes (two thresholds per model)
    ///   and the write pass.
    /// - SeeAlso: Davari & Belilovsky 2023, Model Breadcrumbs, §3.
    public static func breadcrumbs(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try taskVectorMerge(
            input, method: "breadcrumbs", thinning: .middle, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }

    /// The stream behind `breadcrumbs(_:options:)`, for the engine.
    public static func breadcrumbsStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "breadcrumbs", thinning: .middle, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }
}
