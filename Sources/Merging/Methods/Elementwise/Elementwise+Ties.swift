extension Elementwise {
    /// mergekit `ties`: trim each task vector to its top-`density` magnitudes, elect a sign per
    /// entry by the summed weighted values, and average the agreeing entries (disjoint mean).
    ///
    ///     δ'_m = top_k(θ_m − base), k = ⌊density_m·n⌋   (keepTopMagnitude)
    ///     out  = base + λ · combine(δ', w, consensus)       (see `combine`)
    ///
    /// Defaults: `normalize` true (the disjoint mean), λ = 1. `rescale` does not apply.
    /// - Complexity: streamed (`TaskVectorStream`): 8 radix passes and the write pass; memory
    ///   per chunk, not per tensor.
    /// - SeeAlso: Yadav et al. 2023, TIES-Merging, Algorithm 1.
    public static func ties(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try taskVectorMerge(
            input, method: "ties", thinning: .top, consensus: true,
            normalize: options.normalize ?? true, options: options)
    }

    /// The stream behind `ties(_:options:)`, for the engine.
    public static func tiesStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "ties", thinning: .top, consensus: true,
            normalize: options.normalize ?? true, options: options)
    }
}
