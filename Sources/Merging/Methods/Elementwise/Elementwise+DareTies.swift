extension Elementwise {
    /// mergekit `dare_ties`: DARE's random drop-and-rescale, then TIES's sign election and
    /// disjoint combination.
    ///
    ///     δ'_m = dropRandom(θ_m − base, ρ_m, rescale)
    ///     out  = base + λ · combine(δ', w, consensus)
    ///
    /// Defaults: `rescale` true, `normalize` false, λ = 1.
    /// - Complexity: O(M·n); the sign election needs all M models at each element (streams by
    ///   chunk).
    /// - SeeAlso: Yu et al. 2023 (DARE) with Yadav et al. 2023 (TIES) steps 2–3.
    public static func dareTies(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try taskVectorMerge(
            input, method: "dare_ties", thinning: .random, consensus: true,
            normalize: options.normalize ?? false, options: options)
    }

    /// The stream behind `dareTies(_:options:)`, for the engine.
    public static func dareTiesStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "dare_ties", thinning: .random, consensus: true,
            normalize: options.normalize ?? false, options: options)
    }
}
