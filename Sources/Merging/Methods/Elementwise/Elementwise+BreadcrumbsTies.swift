extension Elementwise {
    /// mergekit `breadcrumbs_ties`: Breadcrumbs' two-sided magnitude mask, then TIES's sign
    /// election and disjoint combination.
    ///
    ///     δ'_m = keepMiddleMagnitude(θ_m − base, ρ_m, γ_m)
    ///     out  = base + λ · combine(δ', w, consensus)
    ///
    /// Defaults: `gamma` 0.01, `normalize` false, λ = 1.
    /// - Complexity: streamed (`TaskVectorStream`): 8 radix passes (two thresholds per model)
    ///   and the write pass.
    /// - SeeAlso: Davari & Belilovsky 2023; Yadav et al. 2023 steps 2–3.
    public static func breadcrumbsTies(
        _ input: TensorMergeInput, options: TaskVectorOptions = .init()
    )
        throws -> [Double]
    {
        try taskVectorMerge(
            input, method: "breadcrumbs_ties", thinning: .middle, consensus: true,
            normalize: options.normalize ?? false, options: options)
    }

    /// The stream behind `breadcrumbsTies(_:options:)`, for the engine.
    public static func breadcrumbsTiesStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "breadcrumbs_ties", thinning: .middle, consensus: true,
            normalize: options.normalize ?? false, options: options)
    }
}
